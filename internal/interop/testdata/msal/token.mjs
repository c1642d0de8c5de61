// Gets an app-only token from firstkey with @azure/msal-node's confidential
// client, configured as for Entra ID but for the authority. Run by
// internal/interop's TestMSALNodeConfidentialClient, which passes the test CA in
// NODE_EXTRA_CA_CERTS and reads the JSON line this prints.
//
// Environment: FIRSTKEY_AUTHORITY (https://host:port/{tenant}), FIRSTKEY_CLIENT_ID,
// FIRSTKEY_CLIENT_SECRET, FIRSTKEY_SCOPE.
import { ConfidentialClientApplication, LogLevel } from "@azure/msal-node";

const authority = process.env.FIRSTKEY_AUTHORITY;
const app = new ConfidentialClientApplication({
  auth: {
    clientId: process.env.FIRSTKEY_CLIENT_ID,
    clientSecret: process.env.FIRSTKEY_CLIENT_SECRET,
    authority,
    knownAuthorities: [new URL(authority).host],
  },
  system: {
    loggerOptions: {
      logLevel: LogLevel.Warning,
      piiLoggingEnabled: false,
      loggerCallback: (_level, message) => console.error(message),
    },
  },
});

try {
  const result = await app.acquireTokenByClientCredential({ scopes: [process.env.FIRSTKEY_SCOPE] });
  // A second call is answered from MSAL's cache: the token's expiry parsed.
  const cached = await app.acquireTokenByClientCredential({ scopes: [process.env.FIRSTKEY_SCOPE] });
  console.log(JSON.stringify({
    accessToken: result.accessToken,
    tokenType: result.tokenType,
    fromCache: cached.fromCache,
    sameToken: cached.accessToken === result.accessToken,
  }));
} catch (err) {
  console.log(JSON.stringify({ error: err.errorCode || err.name, message: err.message }));
  process.exitCode = 1;
}
