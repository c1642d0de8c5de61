package graphapi

import (
	"net/http"

	"github.com/firstkey/firstkey/internal/domain"
)

// deliverToJSON is the firstkey extension of a pass creation: deliver the
// pass instead of returning it. {"method":"email","recipient":"manager"|ADDRESS}
// or {"method":"webhook"}.
type deliverToJSON struct {
	Method    string `json:"method"`
	Recipient string `json:"recipient"`
}

// deliverTo reads the optional deliverTo property.
func deliverTo(b body) (*domain.DeliveryRequest, error) {
	v, ok, err := prop[*deliverToJSON](b, "deliverTo")
	if err != nil || !ok || v == nil {
		return nil, err
	}
	r := domain.DeliveryRequest{Method: v.Method, Recipient: v.Recipient}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// deliveryJSON renders a delivery: never the code.
func deliveryJSON(d domain.Delivery) obj {
	var done any
	if d.CompletedDateTime != nil {
		done = graphTime(*d.CompletedDateTime)
	}
	var last any
	if d.LastError != "" {
		last = d.LastError
	}
	recipient := any(d.Recipient)
	if d.Recipient == "" {
		recipient = nil
	}
	return obj{
		{"id", d.ID},
		{"kind", d.Kind},
		{"method", d.Method},
		{"recipient", recipient},
		{"subjectId", d.SubjectID},
		{"status", d.Status},
		{"attempts", d.Attempts},
		{"createdDateTime", graphTime(d.CreatedDateTime)},
		{"completedDateTime", done},
		{"lastError", last},
	}
}

// listDeliveries is a firstkey extension: the passes delivered to and notices
// sent about a user, with their outcome.
func (h *Handler) listDeliveries(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	ds, err := h.dir.ListDeliveries(r.Context(), c.actor, user)
	if err != nil {
		return err
	}
	items := make([]obj, len(ds))
	for i, d := range ds {
		items[i] = deliveryJSON(d)
	}
	writeJSON(w, http.StatusOK, obj{{"value", items}})
	return nil
}
