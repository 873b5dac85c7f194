import { randomUUID } from 'node:crypto';

import type { NextFunction, Request, Response } from 'express';

import { withCorrelationId, type Logger } from '@yishi/logging';

const REQUEST_ID = 'x-request-id';
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives every request an id (the caller's, when it is sane), echoes it in the response, runs the
 * request inside that correlation scope so service calls carry it, and logs one line per request.
 */
export function requestIdMiddleware(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const offered = request.header(REQUEST_ID);
    const requestId = offered && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
    response.setHeader(REQUEST_ID, requestId);
    const started = process.hrtime.bigint();
    withCorrelationId(requestId, () => {
      response.once('finish', () => {
        const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info({ method: request.method, path: request.originalUrl, status: response.statusCode, durationMs }, 'request');
      });
      next();
    });
  };
}
