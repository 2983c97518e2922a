// A real OpenID Connect provider on loopback for the single sign-on tests (oidc-provider).
//
// Configured by environment: PORT, ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI,
// POST_LOGOUT_REDIRECT_URI, USERS (JSON: {login: {password, email, name, groups, cx_roles}}).
// The sign-in page checks the password; "Refuse" answers the relying party access_denied,
// as a provider does when a person declines or a policy refuses them. Prints "ready" once
// listening.
import http from 'node:http';
import { URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const env = process.env;
const users = JSON.parse(env.USERS || '{}');

const provider = new Provider(env.ISSUER, {
  clients: [{
    client_id: env.CLIENT_ID,
    client_secret: env.CLIENT_SECRET,
    redirect_uris: [env.REDIRECT_URI],
    post_logout_redirect_uris: [env.POST_LOGOUT_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups', 'cx_roles'],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  // The relying party reads claims from the userinfo endpoint.
  conformIdTokenClaims: true,
  cookies: { keys: ['cxalign-test-cookie-key'] },
  async findAccount(ctx, sub) {
    const user = users[sub];
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        const [given, ...rest] = (user.name || sub).split(' ');
        return {
          sub,
          email: user.email,
          email_verified: true,
          name: user.name || sub,
          given_name: given,
          family_name: rest.join(' '),
          preferred_username: sub,
          groups: user.groups || [],
          cx_roles: user.cx_roles || [],
        };
      },
    };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function signInPage(uid, error) {
  return `<!doctype html><html><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1>
${error ? `<p id="idp-error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>Login <input name="login" id="idp-login" autofocus></label>
<label>Password <input name="password" id="idp-password" type="password"></label>
<button type="submit" id="idp-submit">Sign in</button>
</form>
<form method="post" action="/interaction/${uid}/refuse">
<button type="submit" id="idp-refuse">Refuse</button>
</form></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

const callback = provider.callback();

async function interaction(req, res) {
  const [, , uid, step] = req.url.split('?')[0].split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET') {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    return res.end(signInPage(uid));
  }
  const form = await readForm(req);
  if (step === 'refuse') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'The identity provider refused the sign-in.',
    }, { mergeWithLastSubmission: false });
  }
  const user = users[form.login];
  if (!user || user.password !== form.password) {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    return res.end(signInPage(uid, 'Wrong login or password.'));
  }
  const grant = new provider.Grant({ accountId: form.login, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, {
    login: { accountId: form.login },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  callback(req, res);
});

server.listen(Number(env.PORT), '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
