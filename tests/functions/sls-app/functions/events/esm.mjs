// An ES module handler (.mjs).
export const handler = async (event) => ({style: 'esm', got: event.x});
