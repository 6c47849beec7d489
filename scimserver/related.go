package scimserver

import (
	"context"
	"net/http"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/store"
)

// maxRelated bounds the related resources one request records: a PUT replacing a
// group of 50,000 members should not write 50,000 history rows. The history of the
// resources past the bound still shows the change through the group's own history.
const maxRelated = 1000

// noteRelated records resources the request is about besides the one it addresses, so
// each one's history lists the request: the users a group write adds or removes, the
// groups a deleted user leaves, the user a duplicate create collides with.
func noteRelated(r *http.Request, typ string, ids ...string) {
	noteRelatedCtx(r.Context(), typ, ids...)
}

// noteRelatedCtx is noteRelated for code that holds the request's context only (the
// profile's store layer).
func noteRelatedCtx(ctx context.Context, typ string, ids ...string) {
	in := inflightOf(ctx)
	if in == nil {
		return
	}
	rec := in.rec
	for _, id := range ids {
		ref := exchange.ResourceRef{Type: typ, ID: id}
		if id == "" || (typ == rec.ResourceType && id == rec.ResourceID) || len(rec.Related) >= maxRelated {
			continue
		}
		if in.related == nil {
			in.related = map[exchange.ResourceRef]bool{}
		}
		if !in.related[ref] {
			in.related[ref] = true
			rec.Related = append(rec.Related, ref)
		}
	}
}

// relatedMembers is a group's MemberTx that notes every user whose membership the
// request adds or removes. A write that fails still names them: a refused change is
// part of each user's history too.
type relatedMembers struct {
	store.MemberTx
	r *http.Request
}

func (m relatedMembers) AddMembers(ms []store.Member) error {
	for _, x := range ms {
		noteRelated(m.r, "User", x.UserID)
	}
	return m.MemberTx.AddMembers(ms)
}

func (m relatedMembers) RemoveMembers(ids []string) (int, error) {
	noteRelated(m.r, "User", ids...)
	return m.MemberTx.RemoveMembers(ids)
}

func (m relatedMembers) RemoveAll() error {
	ms, err := m.MemberTx.List()
	if err != nil {
		return err
	}
	for _, x := range ms {
		noteRelated(m.r, "User", x.UserID)
	}
	return m.MemberTx.RemoveAll()
}

// noteMembersOf notes the members of a group that is about to be deleted.
func (s *Server) noteMembersOf(r *http.Request, groupID string) {
	if ms, err := s.st.Members(r.Context(), groupID, maxRelated); err == nil {
		for _, m := range ms {
			noteRelated(r, "User", m.UserID)
		}
	}
}

// noteGroupsOf notes the groups a user that is about to be deleted belongs to.
func (s *Server) noteGroupsOf(r *http.Request, userID string) {
	if u, err := s.st.GetUser(r.Context(), userID); err == nil {
		for _, g := range u.Groups {
			noteRelated(r, "Group", g.ID)
		}
	}
}

// noteManagedBy notes the users whose enterprise manager is the user about to be
// deleted: the store clears their manager in the same transaction.
func (s *Server) noteManagedBy(r *http.Request, userID string) {
	ids, err := s.st.ManagedBy(r.Context(), userID, maxRelated)
	if err != nil {
		return
	}
	noteRelated(r, "User", ids...)
}
