// Page-wide events between the panels, so none of them needs to know the others.
export const bus = new EventTarget();

export function emit(type, detail) {
  bus.dispatchEvent(new CustomEvent(type, { detail }));
}

export function on(type, handler) {
  bus.addEventListener(type, (event) => handler(event.detail));
}
