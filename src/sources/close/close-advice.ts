import { CONDITION_TYPES, QUERY_NODE_TYPES } from './close-query.js';

/** What to do about a permanent Close error (the API's own `errors` precede this in the message). */
export function closeAdvice(status: number): string {
  switch (status) {
    case 400:
      return (
        'See the errors Close gave (its field-errors name the offending request path) and check the query against the supported ' +
        `node types (${QUERY_NODE_TYPES.join(', ')}) and condition types (${CONDITION_TYPES.join(', ')}), the --fields names and --page-size (_limit).`
      );
    case 401:
      return (
        "The key was refused: check CLOSE_API_KEY, or the account's file under CREDENTIALS_DIR, and CLOSE_BASE_URL. An API key is sent " +
        'as the HTTP Basic user name with an empty password; "Bearer <token>" as an OAuth access token, which Close expires after an hour.'
      );
    case 403:
      return "The API key's user lacks the permission to search contacts or to list their custom fields: check the user's role and permissions in Close.";
    case 404:
      return 'Check CLOSE_BASE_URL (e.g. https://api.close.com/api/v1): the endpoint was not found.';
    default:
      return 'Retrying will not help; check the request and the API status.';
  }
}
