package scimserver

import (
	"context"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/patch"
	"github.com/scimlab/scimlab/store"
)

// Store is what the SCIM server needs from persistence; *store.DB satisfies it. Every
// write method runs in one transaction, which is how a request is all-or-nothing, and
// a user is read with its groups in one read transaction, so rendering it costs no
// second one.
type Store interface {
	CreateUser(ctx context.Context, r *store.Resource) error
	GetUser(ctx context.Context, id string) (*store.Resource, error)
	ReplaceUser(ctx context.Context, id string, ifVersion int64, fn func(cur *store.Resource) (*store.Resource, error)) (*store.Resource, error)
	DeleteUser(ctx context.Context, id string, ifVersion int64) error

	CreateGroup(ctx context.Context, r *store.Resource, members []store.Member) error
	GetGroup(ctx context.Context, id string) (*store.Resource, error)
	Members(ctx context.Context, groupID string, limit int) ([]store.Member, error)
	UpdateGroup(ctx context.Context, id string, ifVersion int64, fn func(cur *store.Resource, m store.MemberTx) (*store.Resource, error)) (*store.Resource, error)
	DeleteGroup(ctx context.Context, id string, ifVersion int64) error

	Search(ctx context.Context, q store.Query) (total int, page []*store.Resource, err error)
	// ManagedBy lists the users whose enterprise manager is a user, which its delete
	// changes, through an index.
	ManagedBy(ctx context.Context, id string, limit int) ([]string, error)

	// The app-side state profiles read and change (profile_store.go).
	ExistingUsers(ctx context.Context, ids []string) (map[string]bool, error)
	AppSideMembers(ctx context.Context, groupID string) ([]store.Member, error)
	DeleteGroupDeactivating(ctx context.Context, id string, ifVersion int64) ([]string, error)

	NextRequestSeq(ctx context.Context) (int64, error)
	AppendRequests(ctx context.Context, rs []*exchange.Record) error
	TrimRequests(ctx context.Context, r store.Retention) (deleted int, err error)
}

// memberEditor lets the PATCH engine change a group's members through the store's
// transaction, so a group with 50k members is never loaded to add one.
type memberEditor struct {
	tx store.MemberTx
}

func (e memberEditor) AddMembers(ms []patch.Member) error {
	add := make([]store.Member, 0, len(ms))
	for _, m := range ms {
		sm, err := storeMember(m.Value, m.Display, m.Type)
		if err != nil {
			return err
		}
		add = append(add, sm)
	}
	return e.tx.AddMembers(add)
}

func (e memberEditor) RemoveMembers(ids []string) error {
	_, err := e.tx.RemoveMembers(ids)
	return err
}

func (e memberEditor) HasMember(id string) (bool, error) { return e.tx.HasMember(id) }

func (e memberEditor) RemoveAllMembers() error { return e.tx.RemoveAll() }

func (e memberEditor) ListMembers() ([]patch.Member, error) {
	ms, err := e.tx.List()
	if err != nil {
		return nil, err
	}
	out := make([]patch.Member, len(ms))
	for i, m := range ms {
		out[i] = patch.Member{Value: m.UserID, Display: m.Display, Type: m.Type}
	}
	return out, nil
}

// storeMember checks one member reference from a request. Only users can be members:
// Okta and Entra never provision nested groups.
func storeMember(value, display, typ string) (store.Member, error) {
	if value == "" {
		return store.Member{}, badRequest(ScimTypeInvalidValue, `a member has no "value"; each member must be {"value": "<user id>"}`)
	}
	if typ != "" && !strings.EqualFold(typ, "User") {
		return store.Member{}, badRequest(ScimTypeInvalidValue,
			"member %q has type %q; scimlab supports only Users as group members (Okta and Entra do not provision nested groups)", value, typ)
	}
	return store.Member{UserID: value, Display: display, Type: "User"}, nil
}
