package config

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestMetricsAddr(t *testing.T) {
	const auth = "0123456789abcdef0123"
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "off by default"},
		{name: "loopback on stdio", args: []string{"--metrics-addr", "127.0.0.1:9464"}, want: "127.0.0.1:9464"},
		{name: "from the environment", env: map[string]string{"ATOMIC_MCP_METRICS_ADDR": "localhost:9464"}, want: "localhost:9464"},
		{name: "not HOST:PORT", args: []string{"--metrics-addr", "9464"}, wantErr: `--metrics-addr "9464" is not HOST:PORT`},
		{name: "every interface on stdio", args: []string{"--metrics-addr", ":9464"}, wantErr: "on stdio there is no bearer token"},
		{name: "off the machine without auth", args: []string{"--transport", "http", "--metrics-addr", "0.0.0.0:9464"}, wantErr: "refusing to serve metrics on 0.0.0.0:9464 without authentication"},
		{name: "off the machine with auth", args: []string{"--transport", "http", "--addr", "0.0.0.0:8080", "--metrics-addr", "0.0.0.0:9464"},
			env: map[string]string{"ATOMIC_MCP_AUTH_TOKEN": auth}, want: "0.0.0.0:9464"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"ATOMIC_API_TOKEN": "a"}
			for k, v := range tt.env {
				vars[k] = v
			}
			c, err := Parse(tt.args, env(vars), io.Discard)
			if tt.wantErr != "" {
				var cfgErr *Error
				if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v: want a config.Error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.MetricsAddr != tt.want {
				t.Errorf("MetricsAddr %q, want %q", c.MetricsAddr, tt.want)
			}
		})
	}
}
