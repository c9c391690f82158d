// The order service's internal HTTP API. No SQL here.
import Router from '@koa/router';
import { orderIdParam, pageQueryFields, parseInput } from '@bazar/common';
import { z } from 'zod';
import type { Orders } from '../domain/orders';

const placeOrderBody = z.strictObject({
  orderId: z.uuid().optional(),
  purchaseId: z.uuid().optional(),
  customerId: z.uuid().optional(),
  bookId: z.number().int().min(1).max(999_999_999_999_999),
});
/** `customer`: only that customer's orders (the frontend's shopper); without it, every order (the admin). */
const customerField = { customer: z.uuid().optional() };
const listQuery = z.strictObject({ ...pageQueryFields, ...customerField });
const orderQuery = z.strictObject(customerField);

export function ordersRouter(orders: Orders): Router {
  const router = new Router({ prefix: '/orders' });

  router.post('/', async (ctx) => {
    const body = parseInput(placeOrderBody, ctx.request.body, 'body');
    const { order, created } = await orders.placeOrder({ ...body, deadline: ctx.state.deadline });
    ctx.status = created ? 201 : 200;
    ctx.body = order;
  });

  router.get('/', async (ctx) => {
    const { customer, ...page } = parseInput(listQuery, ctx.query, 'query');
    ctx.body = await orders.listOrders({ ...page, customerId: customer });
  });

  router.get('/:id', async (ctx) => {
    const { customer } = parseInput(orderQuery, ctx.query, 'query');
    ctx.body = await orders.getOrder(parseInput(orderIdParam, ctx.params.id, 'order id'), customer);
  });

  return router;
}
