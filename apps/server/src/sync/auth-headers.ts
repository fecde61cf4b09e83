/** The request headers that authenticate an integration's calls to GitHub or Jira. */

/** GitHub: a bearer token; Jira Cloud: Basic e-mail + API token; Jira Server / Data Center: a bearer personal access token. */
export function integrationAuthHeaders(
  kind: 'github' | 'jira',
  config: { email?: string | undefined },
  credentials: Record<string, string | undefined>,
): Record<string, string> {
  if (kind === 'github') return { authorization: `Bearer ${credentials.token}`, 'x-github-api-version': '2022-11-28' };
  if (credentials.personalAccessToken !== undefined)
    return { authorization: `Bearer ${credentials.personalAccessToken}` };
  return { authorization: `Basic ${Buffer.from(`${config.email}:${credentials.apiToken}`).toString('base64')}` };
}
