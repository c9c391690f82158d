// A frontend reading a book that a write is in flight to asks the catalog for the primary (linearizable reads,
// DESIGN I12): the replica may not have applied a commit that the primary already shows to other readers.
export const readFromHeader = 'x-bazar-read-from';
