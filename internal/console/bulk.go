package console

func (h *Handler) mountBulk(rt router) {}
