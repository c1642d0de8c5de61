package console

func (h *Handler) mountPasses(rt router) {}
