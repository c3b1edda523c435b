// The few file system reads that path confinement, source detection and the kustomization walk
// make. `directFs` asks the file system every time. `snapshotFs` remembers every answer: only
// for a checkout that nobody writes to while it is in use, such as touchedApps looking at the
// inputs of 1,000 apps, where the same root, bases and components are resolved again and again.
import type { Dirent, Stats } from "node:fs";
import { lstat, readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";

export interface FsView {
  realpath: (path: string) => Promise<string>;
  stat: (path: string) => Promise<Stats>;
  lstat: (path: string) => Promise<Stats>;
  readText: (path: string) => Promise<string>;
  readdirDeep: (path: string) => Promise<Dirent[]>;
  /** stat(path).isFile(), false when it cannot be stat'ed (source detection). */
  isFile: (path: string) => Promise<boolean>;
}

export const directFs: FsView = {
  realpath: (path) => realpath(path),
  stat: (path) => stat(path),
  lstat: (path) => lstat(path),
  readText: (path) => readFile(path, "utf8"),
  readdirDeep: (path) => readdir(path, { withFileTypes: true, recursive: true }),
  isFile: (path) =>
    stat(path).then(
      (stats) => stats.isFile(),
      () => false,
    ),
};

/** A view that asks the file system once per call and path; failures are remembered too. */
export function snapshotFs(base: FsView = directFs): FsView {
  const memo = <T>(read: (path: string) => Promise<T>) => {
    const answers = new Map<string, Promise<T>>();
    return (path: string): Promise<T> => {
      let answer = answers.get(path);
      if (!answer) {
        answer = read(path);
        answers.set(path, answer);
      }
      return answer;
    };
  };
  // Source detection asks for 4 names per app directory: one listing of the directory answers
  // them all. A name the listing lacks cannot be stat'ed (names are case-sensitive on Linux);
  // a symlink or an unreadable directory is left to stat, which follows links.
  const listing = memo((dir: string) => readdir(dir, { withFileTypes: true }).catch(() => undefined));
  const isFile = memo(async (path: string) => {
    const entries = await listing(dirname(path));
    const entry = entries?.find((item) => item.name === basename(path));
    if (entries && !entry) return false;
    if (entry && !entry.isSymbolicLink()) return entry.isFile();
    return base.isFile(path);
  });
  return {
    isFile,
    realpath: memo(base.realpath),
    stat: memo(base.stat),
    lstat: memo(base.lstat),
    readText: memo(base.readText),
    readdirDeep: memo(base.readdirDeep),
  };
}
