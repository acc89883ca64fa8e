/** The element with `id`, checked to be of the expected kind: the page and the script must agree. */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`#${id} is missing or not a ${kind.name}`);
  return found;
}

export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}
