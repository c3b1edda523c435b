// Lists the packages that the runtime code (src/, workers/) really loads, so the image test can
// prove that `npm prune --omit=dev` keeps all of them. Type-only imports are skipped: Node's
// type stripping erases them, so they need no package at run time.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import ts from "typescript";

function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return filesUnder(full);
    return /\.(ts|mts|js|mjs)$/.test(entry) ? [full] : [];
  });
}

function specifiers(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      const named = node.importClause?.namedBindings;
      const allTypes =
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        node.importClause?.name === undefined &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("#")) return undefined;
  if (specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0] ?? ""))
    return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Package name → the files that load it at run time. */
export function runtimePackages(root: string, dirs: string[]): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const file of dirs.flatMap((d) => filesUnder(join(root, d)))) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    for (const specifier of specifiers(source)) {
      const pkg = packageOf(specifier);
      if (pkg) used.set(pkg, [...(used.get(pkg) ?? []), relative(root, file)]);
    }
  }
  return used;
}
