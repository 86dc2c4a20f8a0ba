package clients

import (
	"context"
	"net/http"

	"github.com/easlab/easlab/eas"
)

// SearchGAL looks text up in the global address list, as the recipient
// field of a mail app does (Search with Store GAL, MS-ASCMD 2.2.1.16),
// asking for the first 20 results, and returns the entries found.
func (d *Device) SearchGAL(ctx context.Context, text string) ([]eas.GALProperties, error) {
	res, err := d.search(ctx, &eas.SearchStore{Name: "GAL", Query: &eas.SearchQuery{Text: text}, Options: &eas.SearchOptions{Range: "0-19"}})
	if err != nil {
		return nil, err
	}
	out := make([]eas.GALProperties, 0, len(res))
	for _, r := range res {
		var g eas.GALProperties
		if r.Properties != nil && eas.DecodeItem(r.Properties, &g) == nil {
			out = append(out, g)
		}
	}
	return out, nil
}

// SearchMailbox searches the mail of folderID for text (Search with Store
// Mailbox, an And of Class Email, the CollectionId and FreeText), asking
// for the first 20 results with a plain-text body, as a phone's server
// search does, and returns the messages found.
func (d *Device) SearchMailbox(ctx context.Context, folderID, text string) ([]eas.Email, error) {
	q := &eas.SearchQuery{And: &eas.SearchQuery{Class: []string{"Email"}, CollectionId: []string{folderID}, FreeText: []string{text}}}
	res, err := d.search(ctx, &eas.SearchStore{Name: "Mailbox", Query: q, Options: &eas.SearchOptions{
		Range: "0-19", BodyPreference: []eas.BodyPreference{{Type: 1, TruncationSize: 5120}},
	}})
	if err != nil {
		return nil, err
	}
	out := make([]eas.Email, 0, len(res))
	for _, r := range res {
		var e eas.Email
		if r.Properties != nil && eas.DecodeItem(r.Properties, &e) == nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// search runs one Search and checks both Status levels.
func (d *Device) search(ctx context.Context, store *eas.SearchStore) ([]eas.SearchResult, error) {
	var r eas.SearchResponse
	if err := d.call(ctx, eas.CommandSearch, &eas.SearchRequest{Store: store}, &r, query{}); err != nil {
		return nil, err
	}
	if r.Status != 1 || r.Response == nil || r.Response.Store == nil {
		return nil, &ServerError{Command: eas.CommandSearch, HTTPStatus: http.StatusOK, Status: r.Status}
	}
	if s := r.Response.Store.Status; s != 1 {
		return nil, &ServerError{Command: eas.CommandSearch, HTTPStatus: http.StatusOK, Status: s}
	}
	return r.Response.Store.Result, nil
}
