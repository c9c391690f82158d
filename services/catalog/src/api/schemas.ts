// Shapes of what the catalog API accepts. Unknown fields are rejected, numbers are bounded (I8).
import { pageQueryFields, topicText } from '@bazar/common';

export { bookChangeBody, bookIdParam } from '@bazar/common';
import { z } from 'zod';

export const reservationBody = z.strictObject({ orderId: z.uuid() });

export const searchQuery = z.strictObject({
  topic: topicText.optional(),
  ...pageQueryFields,
});
