/**
 * The part of Tornado's payload templates the canaries need: a string that is
 * exactly `${expression}` becomes the value the expression selects from the
 * incoming document (`@` is the whole document, `a.b.c` a path in it); other
 * values are copied, objects and arrays are walked.
 */
export function renderTemplate(template: unknown, document: unknown): unknown {
  if (typeof template === "string") {
    const match = /^\$\{(.+)\}$/.exec(template);
    return match ? select(document, match[1].trim()) : template;
  }
  if (Array.isArray(template)) return template.map((item) => renderTemplate(item, document));
  if (typeof template === "object" && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, renderTemplate(value, document)]));
  }
  return template;
}

function select(document: unknown, expression: string): unknown {
  if (expression === "@") return document;
  let current: unknown = document;
  for (const key of expression.split(".")) {
    if (typeof current !== "object" || current === null) return null;
    current = (current as Record<string, unknown>)[key];
  }
  return current ?? null;
}
