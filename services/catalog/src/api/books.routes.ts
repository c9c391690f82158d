// The catalog's internal HTTP API. Routes translate HTTP to domain calls and back; no SQL here.
import Router from '@koa/router';
import { parseInput, readFromHeader } from '@bazar/common';
import type { Catalog } from '../domain/catalog';
import { bookChangeBody, bookIdParam, reservationBody, searchQuery } from './schemas';

export function booksRouter(catalog: Catalog): Router {
  const router = new Router({ prefix: '/books' });

  router.get('/', async (ctx) => {
    const q = parseInput(searchQuery, ctx.query, 'query');
    ctx.body = await catalog.searchBooks(q);
  });

  router.get('/:id', async (ctx) => {
    // A frontend asks for the primary while a write to the book is in flight (linearizable reads, I12).
    const fromPrimary = ctx.get(readFromHeader) === 'primary';
    ctx.body = await catalog.getBook(parseInput(bookIdParam, ctx.params.id, 'book id'), fromPrimary);
  });

  router.patch('/:id', async (ctx) => {
    const id = parseInput(bookIdParam, ctx.params.id, 'book id');
    const change = parseInput(bookChangeBody, ctx.request.body, 'body');
    ctx.body = await catalog.updateBook(id, change, ctx.state.deadline);
  });

  router.post('/:id/reservations', async (ctx) => {
    const id = parseInput(bookIdParam, ctx.params.id, 'book id');
    const { orderId } = parseInput(reservationBody, ctx.request.body, 'body');
    const { reservation, replayed } = await catalog.reserveStock(id, orderId, ctx.state.deadline);
    ctx.status = replayed ? 200 : 201;
    ctx.body = { ...reservation, replayed };
  });

  return router;
}
