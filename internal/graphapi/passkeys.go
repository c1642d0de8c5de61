package graphapi

import (
	"net/http"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
)

const fido2MethodType = "#microsoft.graph.fido2AuthenticationMethod"

// passkeyJSON renders a passkey as Graph's fido2AuthenticationMethod, followed by
// firstkey's extensions (lastUsedDateTime, backupEligible, cloneWarning). firstkey
// keeps no attestation certificates, so that list is always empty.
func passkeyJSON(k domain.Passkey) obj {
	level := k.AttestationLevel
	if level != "attested" {
		level = "notAttested"
	}
	return obj{
		{"@odata.type", fido2MethodType},
		{"id", k.ID},
		{"displayName", k.DisplayName},
		{"createdDateTime", graphTime(k.CreatedDateTime)},
		{"aaGuid", nullable(k.AAGUID)},
		{"model", authenticatorModel(k.AAGUID)},
		{"attestationCertificates", []string{}},
		{"attestationLevel", level},
		{"lastUsedDateTime", graphTimePtr(k.LastUsedDateTime)},
		{"backupEligible", k.BackupEligible},
		{"cloneWarning", k.CloneWarning},
	}
}

// authenticatorModels names well-known authenticators by AAGUID, so that people
// and administrators recognise a key without looking the UUID up. Anything else
// (including the all-zero AAGUID of authenticators that do not say) is null, as
// Graph leaves model unset when it does not know it.
var authenticatorModels = map[string]string{
	"cb69481e-8ff7-4039-93ec-0a2729a154a8": "YubiKey 5 Series",
	"ee882879-721c-4913-9775-3dfcce97072a": "YubiKey 5 Series",
	"fa2b99dc-9e39-4257-8f92-4a30d23c4118": "YubiKey 5 Series with NFC",
	"2fc0579f-8113-47ea-b116-bb5a8db9202a": "YubiKey 5 Series with NFC",
	"08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
	"9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
	"6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
	"fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
	"dd4ec289-e01d-41c9-bb89-70fa845d4bf2": "iCloud Keychain (Managed)",
	"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
	"adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
	"bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
	"d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
}

func authenticatorModel(aaguid string) any {
	if m, ok := authenticatorModels[strings.ToLower(aaguid)]; ok {
		return m
	}
	return nil
}

func (h *Handler) listPasskeys(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	keys, err := h.dir.ListPasskeys(r.Context(), c.actor, user)
	if err != nil {
		return err
	}
	items := make([]obj, len(keys))
	for i, k := range keys {
		items[i] = passkeyJSON(k)
	}
	writeJSON(w, http.StatusOK, obj{{"@odata.context", h.contextURL(methodsContext(user, "fido2Methods"), nil)}, {"value", items}})
	return nil
}

func (h *Handler) getPasskey(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	k, err := h.dir.GetPasskey(r.Context(), c.actor, user, r.PathValue("passkeyId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, passkeyJSON(k).prepend(
		field{"@odata.context", h.contextURL(methodsContext(user, "fido2Methods"), nil) + "/$entity"}))
	return nil
}

// deletePasskey removes a passkey. Graph has no way to ask "are you sure?", and
// a DELETE through the API is a deliberate act, so deleting a person's last way
// in is confirmed on the caller's behalf; the role rules still apply.
func (h *Handler) deletePasskey(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	if err := h.dir.DeletePasskey(r.Context(), c.actor, user, r.PathValue("passkeyId"), true); err != nil {
		return err
	}
	noContent(w)
	return nil
}
