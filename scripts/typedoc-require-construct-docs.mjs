// @ts-check
import { Application, ReflectionKind } from "typedoc";

/**
 * A TypeDoc plugin that fails the API reference when an exported construct or
 * its props go undocumented: every exported class (the constructs, the stack,
 * the error type) and each of its own public members, and every exported
 * `*Props` / `*Options` interface and each of its properties. TypeDoc's own
 * `notDocumented` check cannot be scoped like this; the pure core's data
 * shapes are documented where it matters and are not held to it.
 */

/** @param {import("typedoc").Reflection} reflection */
function hasSummary(reflection) {
  const comments = [reflection.comment];
  if (reflection.isDeclaration()) {
    comments.push(
      ...(reflection.signatures ?? []).map((signature) => signature.comment),
      reflection.getSignature?.comment,
      reflection.setSignature?.comment,
    );
  }
  return comments.some((comment) => comment !== undefined && comment.summary.some((part) => part.text.trim() !== ""));
}

/** @param {import("typedoc").DeclarationReflection} owner */
function undocumentedMembers(owner) {
  return (owner.children ?? []).filter(
    (member) =>
      member.kindOf(ReflectionKind.Property | ReflectionKind.Accessor | ReflectionKind.Method) &&
      !member.flags.isPrivate &&
      !member.flags.isProtected &&
      member.inheritedFrom === undefined &&
      !hasSummary(member),
  );
}

/** @param {Application} app */
export function load(app) {
  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    const owners = [
      ...project.getReflectionsByKind(ReflectionKind.Class),
      ...project
        .getReflectionsByKind(ReflectionKind.Interface)
        .filter((candidate) => /(Props|Options)$/.test(candidate.name)),
    ];
    for (const owner of owners) {
      if (!owner.isDeclaration()) continue;
      const missing = [
        ...(hasSummary(owner) ? [] : [owner.getFullName()]),
        ...undocumentedMembers(owner).map((member) => member.getFullName()),
      ];
      for (const name of missing) {
        app.logger.error(`${name} is exported but has no doc comment; every construct and prop must say what it is`);
      }
    }
  });
}
