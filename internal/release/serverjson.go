package release

import "fmt"

// RegistrySchema is the server.json schema version written.
const RegistrySchema = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"

// ServerJSON is the server's entry for the official MCP Registry
// (modelcontextprotocol/registry, docs/reference/server-json).
type ServerJSON struct {
	Schema      string            `json:"$schema"`
	Name        string            `json:"name"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Version     string            `json:"version"`
	WebsiteURL  string            `json:"websiteUrl"`
	Repository  registryRepo      `json:"repository"`
	Packages    []registryPackage `json:"packages"`
}

type registryRepo struct {
	URL    string `json:"url"`
	Source string `json:"source"`
}

type registryPackage struct {
	RegistryType         string            `json:"registryType"`
	Identifier           string            `json:"identifier"`
	Version              string            `json:"version"`
	FileSHA256           string            `json:"fileSha256"`
	Transport            registryTransport `json:"transport"`
	EnvironmentVariables []registryEnv     `json:"environmentVariables"`
}

type registryTransport struct {
	Type string `json:"type"`
}

type registryEnv struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	IsRequired  bool     `json:"isRequired"`
	IsSecret    bool     `json:"isSecret"`
	Format      string   `json:"format,omitempty"`
	Default     string   `json:"default,omitempty"`
	Choices     []string `json:"choices,omitempty"`
}

// DownloadURL is where a release's files are published: GitHub release
// assets of the tag v<version>, which the registry accepts for mcpb packages.
func DownloadURL(version string) string {
	return repoURL + "/releases/download/v" + version + "/"
}

// NewServerJSON lists the bundles as mcpb packages, each with its hash and
// the environment variables the server reads.
func NewServerJSON(version, baseURL string, bundles []Artifact) ServerJSON {
	var env []registryEnv
	for _, s := range settings {
		e := registryEnv{Name: s.env, Description: s.description, IsSecret: s.sensitive, Format: s.format, Choices: s.choices}
		switch d := s.def.(type) {
		case string:
			e.Default = d
		case bool:
			e.Default = fmt.Sprint(d)
		}
		env = append(env, e)
	}
	sj := ServerJSON{
		Schema:      RegistrySchema,
		Name:        RegistryName,
		Title:       "Atom Telecom Atomic",
		Description: description,
		Version:     version,
		WebsiteURL:  repoURL,
		Repository:  registryRepo{URL: repoURL, Source: "github"},
	}
	for _, b := range bundles {
		sj.Packages = append(sj.Packages, registryPackage{
			RegistryType:         "mcpb",
			Identifier:           baseURL + b.Name,
			Version:              version,
			FileSHA256:           b.SHA256,
			Transport:            registryTransport{Type: "stdio"},
			EnvironmentVariables: env,
		})
	}
	return sj
}
