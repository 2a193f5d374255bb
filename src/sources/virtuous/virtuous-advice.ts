/** What to do about a permanent Virtuous error, after the Query guide's error table (docs/sources/virtuous.md, "Evidence"). */
export function virtuousAdvice(status: number): string {
  switch (status) {
    case 400:
      return 'Check the parameter and operator against GET /api/Contact/QueryOptions (names are case-sensitive display names) and keep take at 1000 or fewer.';
    case 401:
      return 'The token was refused: refresh the credential in VIRTUOUS_API_TOKEN and check VIRTUOUS_BASE_URL.';
    case 403:
      return "The API key's permissions are insufficient: verify its permission group in Virtuous.";
    case 404:
      return 'Check VIRTUOUS_BASE_URL: the endpoint was not found.';
    default:
      return 'Retrying will not help; check the request and the API status.';
  }
}
