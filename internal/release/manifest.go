package release

import (
	"fmt"

	"github.com/atomtelecom/atomic-mcp/prompts"
	"github.com/atomtelecom/atomic-mcp/tools"
)

// Project facts shared by the manifest and server.json.
const (
	// RegistryName is the server's name in the official MCP Registry: a
	// GitHub-hosted name is io.github.OWNER/NAME.
	RegistryName = "io.github.atomtelecom/atomic-mcp"
	repoURL      = "https://github.com/atomtelecom/atomic-mcp"
	description  = "Manage the sub-customers of an Atom Telecom reseller account through the Atomic API."
	// license: the repository carries no license file yet; the integrator
	// replaces this with the project's SPDX identifier once one is chosen.
	license = "LicenseRef-Proprietary"
	// privacy says what leaves the machine; the manifest's
	// privacy_policies link to the README section that says the same.
	privacy = "Privacy: the server runs on your computer. It sends your Atomic API token and the customer details you ask it to create or delete only to the Atomic API (atvoice-api.atomtelecom.com.au, or the API URL you set), over HTTPS. Nothing goes to any other service: the bundle sends no telemetry (OpenTelemetry export is off unless an operator sets OTEL_EXPORTER_OTLP_ENDPOINT, and never carries customer names, ids or tokens). The optional audit log stays on your computer. With the sandbox on, nothing leaves your computer at all."
)

// Manifest is an MCPB manifest, version 0.3 (modelcontextprotocol/mcpb,
// MANIFEST.md). Field order is the spec's, so the JSON reads like its
// examples.
type Manifest struct {
	ManifestVersion string                `json:"manifest_version"`
	Name            string                `json:"name"`
	DisplayName     string                `json:"display_name"`
	Version         string                `json:"version"`
	Description     string                `json:"description"`
	LongDescription string                `json:"long_description"`
	Author          manifestAuthor        `json:"author"`
	Repository      manifestRepo          `json:"repository"`
	Homepage        string                `json:"homepage"`
	Documentation   string                `json:"documentation"`
	Support         string                `json:"support"`
	Icon            string                `json:"icon"`
	Server          manifestServer        `json:"server"`
	Tools           []manifestTool        `json:"tools"`
	ToolsGenerated  bool                  `json:"tools_generated"`
	Prompts         []prompts.Declaration `json:"prompts"`
	Keywords        []string              `json:"keywords"`
	License         string                `json:"license"`
	PrivacyPolicies []string              `json:"privacy_policies"`
	Compatibility   manifestCompat        `json:"compatibility"`
	UserConfig      map[string]userConfig `json:"user_config"`
}

type manifestAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type manifestRepo struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type manifestServer struct {
	Type       string    `json:"type"`
	EntryPoint string    `json:"entry_point"`
	MCPConfig  mcpConfig `json:"mcp_config"`
}

// mcpConfig is how a host starts the server once it has substituted
// ${__dirname} and ${user_config.*}.
type mcpConfig struct {
	Command           string                      `json:"command"`
	Args              []string                    `json:"args"`
	Env               map[string]string           `json:"env"`
	PlatformOverrides map[string]platformOverride `json:"platform_overrides,omitempty"`
}

type platformOverride struct {
	Command string `json:"command"`
}

type manifestTool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type manifestCompat struct {
	Platforms []string `json:"platforms"`
}

type userConfig struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
	Default     any    `json:"default"`
	Sensitive   bool   `json:"sensitive,omitempty"`
}

// NewManifest describes the bundle for p. Tools and prompts come from their
// definitions, so the manifest lists exactly what the server offers.
func NewManifest(p Platform, version string) (Manifest, error) {
	decls, err := prompts.Declarations()
	if err != nil {
		return Manifest{}, fmt.Errorf("manifest prompts: %w", err)
	}
	var toolList []manifestTool
	for _, t := range tools.Definitions() {
		toolList = append(toolList, manifestTool{Name: t.Name, Description: t.Description})
	}
	env := map[string]string{}
	uc := map[string]userConfig{}
	for _, s := range settings {
		env[s.env] = "${user_config." + s.key + "}"
		uc[s.key] = userConfig{Type: s.kind, Title: s.title, Description: s.description, Default: s.def, Sensitive: s.sensitive}
	}
	return Manifest{
		ManifestVersion: "0.3",
		Name:            "atomic-mcp",
		DisplayName:     "Atom Telecom Atomic",
		Version:         version,
		Description:     description,
		LongDescription: "Lets Claude list, create and delete the sub-customers of your Atom Telecom reseller account and list its service plans. Deletes happen only after you confirm. Turn on the sandbox to try it without an account.\n\n" + privacy,
		Author:          manifestAuthor{Name: "Atom Telecom", URL: "https://github.com/atomtelecom"},
		Repository:      manifestRepo{Type: "git", URL: repoURL + ".git"},
		Homepage:        repoURL,
		Documentation:   repoURL + "#readme",
		Support:         repoURL + "/issues",
		Icon:            "icon.png",
		Server: manifestServer{
			Type:       "binary",
			EntryPoint: "server/" + p.Binary(),
			MCPConfig: mcpConfig{
				Command: "${__dirname}/server/atomic-mcp",
				Args:    []string{},
				Env:     env,
				// Hosts add .exe on Windows by themselves, by the spec's
				// note; saying so explicitly does not depend on it.
				PlatformOverrides: map[string]platformOverride{"win32": {Command: "${__dirname}/server/atomic-mcp.exe"}},
			},
		},
		Tools:           toolList,
		Prompts:         decls,
		Keywords:        []string{"atom telecom", "atomic", "telecom", "reseller", "customers", "voip", "crm"},
		License:         license,
		PrivacyPolicies: []string{repoURL + "#privacy"},
		Compatibility:   manifestCompat{Platforms: []string{p.mcpbOS()}},
		UserConfig:      uc,
	}, nil
}
