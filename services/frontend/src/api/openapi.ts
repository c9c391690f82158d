// placeholder, replaced below
export const openApiDocument = { openapi: '3.0.3' };
