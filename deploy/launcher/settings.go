package launcher

import (
	"fmt"

	"github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/kafka"
)

// settings are the parts of the configuration the launcher needs.
type settings struct {
	ports Ports
	kafka kafka.Config
}

// portSection reads a section's port and ignores its other keys.
type portSection struct {
	Port int            `koanf:"port"`
	Rest map[string]any `koanf:",remain"`
}

// loadSettings reads the file with the caller's APP_* overrides applied, so
// a typo in the environment stops the launcher before anything starts.
func loadSettings(path string, environ []string) (settings, error) {
	cfg, err := config.Load(path, environ)
	if err != nil {
		return settings{}, err
	}
	var s settings
	targets := map[string]*int{
		"server": &s.ports.Gateway, "command": &s.ports.Command,
		"query": &s.ports.Query, "projector": &s.ports.Projector,
	}
	for section, dst := range targets {
		if *dst, err = sectionPort(cfg, section); err != nil {
			return settings{}, err
		}
	}
	if s.ports.GatewayAdmin, err = adminPort(cfg); err != nil {
		return settings{}, err
	}
	if err := cfg.Section("kafka", &s.kafka); err != nil {
		return settings{}, err
	}
	return s, nil
}

func sectionPort(cfg *config.Loader, section string) (int, error) {
	var ps portSection
	if err := cfg.Section(section, &ps); err != nil {
		return 0, err
	}
	if ps.Port < 1 || ps.Port > 65535 {
		return 0, fmt.Errorf("config [%s]: port %d is not between 1 and 65535", section, ps.Port)
	}
	return ps.Port, nil
}

// adminPort reads [gateway].admin_port.
func adminPort(cfg *config.Loader) (int, error) {
	var gs struct {
		AdminPort int            `koanf:"admin_port"`
		Rest      map[string]any `koanf:",remain"`
	}
	if err := cfg.Section("gateway", &gs); err != nil {
		return 0, err
	}
	if gs.AdminPort < 1 || gs.AdminPort > 65535 {
		return 0, fmt.Errorf("config [gateway]: admin_port %d is not between 1 and 65535", gs.AdminPort)
	}
	return gs.AdminPort, nil
}

// override replaces the configured ports with the non-zero ones in o.
func (p Ports) override(o Ports) Ports {
	pick := func(def, o int) int {
		if o != 0 {
			return o
		}
		return def
	}
	return Ports{
		Gateway:      pick(p.Gateway, o.Gateway),
		GatewayAdmin: pick(p.GatewayAdmin, o.GatewayAdmin),
		Command:      pick(p.Command, o.Command),
		Query:        pick(p.Query, o.Query),
		Projector:    pick(p.Projector, o.Projector),
	}
}
