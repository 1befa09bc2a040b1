// A real OpenID Connect provider for Lotsen's single sign-on tests (node oidc-provider, which is
// OpenID-certified). Started by tests/sso/oidc_provider.py with its settings as JSON in the
// environment variable OIDC_TEST_PROVIDER:
//   {"client": {client_id, client_secret, redirect_uris, post_logout_redirect_uris},
//    "accounts": {"<login>": {claims …}}, "conform_id_token_claims": false}
// It listens on a free port of 127.0.0.1 and prints one JSON line per event to stdout: first
// {"event": "ready", "issuer": …}, then every end-session and every error.
import http from "node:http";

import Provider from "oidc-provider";

const settings = JSON.parse(process.env.OIDC_TEST_PROVIDER);
const say = (event, details = {}) => console.log(JSON.stringify({ event, ...details }));

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{ ...settings.client, token_endpoint_auth_method: "client_secret_basic" }],
    // The claims each scope releases; sub, oid (Entra ID's object id) and groups come with
    // "openid", as Entra ID puts them in every ID token.
    claims: {
      openid: ["sub", "oid", "groups", "roles"],
      email: ["email", "email_verified"],
      profile: ["name", "given_name", "family_name", "preferred_username"],
    },
    // false: the ID token carries the claims (as Entra ID's does); true: only the userinfo
    // endpoint does, as the specification's strict reading has it.
    conformIdTokenClaims: Boolean(settings.conform_id_token_claims),
    async findAccount(ctx, id) {
      const claims = settings.accounts[id];
      if (!claims) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
    // Lotsen is a first-party application: the scopes it asks for are granted without a consent
    // page (in Entra ID, the administrator's consent for the organisation).
    async loadExistingGrant(ctx) {
      const existing =
        ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    cookies: { keys: ["lotsen-test-provider-cookie-key"] },
  });
  // What the relying party sent to the end-session endpoint (the provider validates the hint
  // itself: a bad one is an end_session.error), and the log-out it confirmed.
  provider.use(async (ctx, next) => {
    if (ctx.method === "GET" && ctx.path === "/session/end") {
      say("end_session_request", {
        id_token_hint: Boolean(ctx.query.id_token_hint),
        post_logout_redirect_uri: ctx.query.post_logout_redirect_uri ?? null,
      });
    }
    await next();
  });
  provider.on("end_session.success", () => say("end_session"));
  for (const name of ["server_error", "authorization.error", "grant.error", "end_session.error"]) {
    provider.on(name, (ctx, error) => say(name, { error: String(error?.message ?? error) }));
  }
  server.on("request", provider.callback());
  say("ready", { issuer });
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections(); // keep-alive connections of the browser would hold it open
  });
}
