package console

func (h *Handler) mountApplications(rt router) {}
