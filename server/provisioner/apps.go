package provisioner

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

type appValues struct {
	AgentID     string `json:"agent_id"`
	Slug        string `json:"slug"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url"`
	Command     string `json:"command"`
	Icon        string `json:"icon"`
	External    bool   `json:"external"`
	Subdomain   bool   `json:"subdomain"`
	Share       string `json:"share"`
	Group       string `json:"group"`
	Order       int    `json:"order"`
	Hidden      bool   `json:"hidden"`
	OpenIn      string `json:"open_in"`
	Tooltip     string `json:"tooltip"`
	Healthcheck []struct {
		URL       string `json:"url"`
		Interval  int    `json:"interval"`
		Threshold int    `json:"threshold"`
	} `json:"healthcheck"`
}

type metadataValues struct {
	ResourceID string `json:"resource_id"`
	Hide       bool   `json:"hide"`
	Icon       string `json:"icon"`
	DailyCost  int    `json:"daily_cost"`
	Item       []struct {
		Key       string  `json:"key"`
		Value     *string `json:"value"`
		Sensitive bool    `json:"sensitive"`
	} `json:"item"`
}

// parseApps reads the coder_app resources of an applied state into the
// Apps of agents, which parseAgents made from the same state (in the same
// order: the coder_agent resources by address). Apps of one agent are
// sorted by order, then slug; two apps of one agent with the same slug
// are an error.
func parseApps(st *tfjson.State, agents []store.WorkspaceAgent) error {
	if st == nil || st.Values == nil {
		return nil
	}
	all := managed(st.Values.RootModule)
	index := map[string]int{}
	for _, r := range all {
		if r.Type != "coder_agent" {
			continue
		}
		var v agentValues
		if err := decodeValues(r, &v); err != nil {
			return err
		}
		index[v.ID] = len(index)
	}
	if len(index) != len(agents) {
		return fmt.Errorf("the state has %d agents, %d recorded", len(index), len(agents))
	}
	apps := make([][]sdk.WorkspaceApp, len(agents))
	for _, r := range all {
		if r.Type != "coder_app" {
			continue
		}
		var v appValues
		if err := decodeValues(r, &v); err != nil {
			return err
		}
		i, ok := index[v.AgentID]
		if !ok {
			continue
		}
		app := sdk.WorkspaceApp{
			Slug: v.Slug, DisplayName: v.DisplayName, URL: v.URL, Command: v.Command, Icon: v.Icon,
			External: v.External, Subdomain: v.Subdomain, Share: v.Share, Group: v.Group, Order: v.Order,
			Hidden: v.Hidden, OpenIn: v.OpenIn, Tooltip: v.Tooltip,
		}
		if app.Share == "" {
			app.Share = "owner"
		}
		if len(v.Healthcheck) > 0 {
			h := v.Healthcheck[0]
			app.Healthcheck = &sdk.AppHealthcheck{URL: h.URL, Interval: h.Interval, Threshold: h.Threshold}
		}
		for _, other := range apps[i] {
			if other.Slug == app.Slug {
				return fmt.Errorf("%s: agent %s has two apps with slug %q", r.Address, agents[i].Name, app.Slug)
			}
		}
		apps[i] = append(apps[i], app)
	}
	for i := range agents {
		sort.SliceStable(apps[i], func(a, b int) bool {
			x, y := apps[i][a], apps[i][b]
			if x.Order != y.Order {
				return x.Order < y.Order
			}
			return x.Slug < y.Slug
		})
		b, err := json.Marshal(nonNil(apps[i]))
		if err != nil {
			return err
		}
		agents[i].Apps = b
	}
	return nil
}

// parseResources returns the managed resources of an applied state that
// are not the provider's own (coder_*), each with the items of the
// coder_metadata blocks whose resource_id is its id. A sensitive item is
// recorded without its value; redact masks the owner's secret values in
// the others.
func parseResources(st *tfjson.State, b store.WorkspaceBuild, redact func(string) string) ([]store.WorkspaceResource, error) {
	if st == nil || st.Values == nil {
		return nil, nil
	}
	all := managed(st.Values.RootModule)
	type acc struct {
		rec   store.WorkspaceResource
		items []sdk.ResourceMetadata
	}
	var out []*acc
	byID := map[string]*acc{}
	for _, r := range all {
		if strings.HasPrefix(r.Type, "coder_") {
			continue
		}
		a := &acc{rec: store.WorkspaceResource{ID: uuid.New(), BuildID: b.ID, Address: r.Address, Type: r.Type, Name: r.Name}}
		out = append(out, a)
		if id, ok := r.AttributeValues["id"].(string); ok && id != "" {
			byID[id] = a
		}
	}
	for _, r := range all {
		if r.Type != "coder_metadata" {
			continue
		}
		var v metadataValues
		if err := decodeValues(r, &v); err != nil {
			return nil, err
		}
		a, ok := byID[v.ResourceID]
		if !ok {
			continue
		}
		a.rec.Hide = a.rec.Hide || v.Hide
		if v.Icon != "" {
			a.rec.Icon = v.Icon
		}
		a.rec.DailyCost += v.DailyCost
		for _, it := range v.Item {
			m := sdk.ResourceMetadata{Key: it.Key, Sensitive: it.Sensitive, IsNull: it.Value == nil}
			if it.Value != nil && !it.Sensitive {
				m.Value = redact(*it.Value)
			}
			a.items = append(a.items, m)
		}
	}
	recs := make([]store.WorkspaceResource, 0, len(out))
	for _, a := range out {
		var err error
		if a.rec.Metadata, err = json.Marshal(nonNil(a.items)); err != nil {
			return nil, err
		}
		recs = append(recs, a.rec)
	}
	return recs, nil
}
