import type { NextFunction, Request, Response } from 'express';
import { isAuthorized } from '../access/basic-auth.js';
import type { AccessCredentials } from '../access/bind-policy.js';

/** Express middleware: HTTP basic auth against `credentials`, 401 with a challenge otherwise. */
export function basicAuth(credentials: AccessCredentials, realm = 'bulk-export board') {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (isAuthorized(request.headers.authorization, credentials)) {
      next();
      return;
    }
    response.status(401).set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`).type('text/plain').send('authentication required\n');
  };
}
