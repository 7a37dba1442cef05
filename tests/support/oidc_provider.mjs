// An OpenID Connect identity provider for the sign-in tests: the node `oidc-provider`
// package (certified by the OpenID Foundation), with its own login and consent pages.
//
//   node tests/support/oidc_provider.mjs PORT REDIRECT_URI
//
// One confidential client ("voting", secret "voting-secret") whose only redirect URI is
// REDIRECT_URI, PKCE required. Any password signs in; the login names these accounts:
//   teacher  teacher@school.example, verified, in the group "teachers"
//   student  student@elsewhere.example, verified
//   ana      ana@students.example, verified (a participant in the gradebook's test)
//   ben      ben@students.example, verified
// Prints "listening" once it takes requests.
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const accounts = {
  teacher: { email: 'teacher@school.example', email_verified: true, given_name: 'Tess',
             family_name: 'Teacher', groups: ['teachers'] },
  student: { email: 'student@elsewhere.example', email_verified: true, given_name: 'Sam',
             family_name: 'Student', groups: ['students'] },
  ana: { email: 'ana@students.example', email_verified: true, given_name: 'Ana',
         family_name: 'Alvarez', groups: ['students'] },
  ben: { email: 'ben@students.example', email_verified: true, given_name: 'Ben',
         family_name: 'Brown', groups: ['students'] },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'voting',
    client_secret: 'voting-secret',
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  pkce: { required: () => true },
  cookies: { keys: ['a test key, not a secret'] },
  async findAccount(ctx, sub) {
    if (!accounts[sub]) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...accounts[sub] }) };
  },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => console.log('listening'));
