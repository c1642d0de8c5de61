package console

func (h *Handler) mountKeys(rt router) {}
