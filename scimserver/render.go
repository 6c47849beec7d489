package scimserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/scimlab/scimlab/store"
)

// Resource type names accepted by Render.
const (
	ResourceUser  = "User"
	ResourceGroup = "Group"
)

// Render returns the SCIM JSON of one user or group exactly as a GET on the local
// listener returns it (locations under localBase, e.g. http://127.0.0.1:8080/scim/v2),
// without going through the HTTP stack: the console shows resources this way, so
// opening one adds no line to the request log the admin is watching.
func (s *Server) Render(ctx context.Context, resourceType, id, localBase string) ([]byte, error) {
	u, err := url.Parse(localBase)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("render: %q is not a base URL", localBase)
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.Scheme+"://"+u.Host+BasePath, nil)
	if err != nil {
		return nil, err
	}
	var (
		res *store.Resource
		rj  resourceJSON
	)
	switch resourceType {
	case ResourceUser:
		if res, err = s.st.GetUser(ctx, id); err != nil {
			return nil, err
		}
		rj, err = s.renderUser(r, res, projection{})
	case ResourceGroup:
		if res, err = s.st.GetGroup(ctx, id); err != nil {
			return nil, err
		}
		rj, err = s.renderGroup(r, res, projection{})
	default:
		return nil, fmt.Errorf("render: unknown resource type %q", resourceType)
	}
	if err != nil {
		return nil, err
	}
	return rj.MarshalJSON()
}
