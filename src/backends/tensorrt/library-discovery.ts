/**
 * Finding TensorRT's runtime library where pip, conda, apt and the tar put it, and choosing the
 * prebuilt addon that matches it.
 *
 * The search order is the one users expect from the Python tools they already have:
 *   1. --trt-lib PATH, or TRT_PARITY_LIBNVINFER (an explicit choice; never second-guessed)
 *   2. the active Python environment: VIRTUAL_ENV, then CONDA_PREFIX, then the python3 on PATH
 *      (each one's site-packages: tensorrt_libs/, tensorrt_lean_libs/, tensorrt_dispatch_libs/)
 *   3. TENSORRT_ROOT/lib (a tar install)
 *   4. LD_LIBRARY_PATH
 *   5. the system library cache (`ldconfig -p`: Debian packages, NVIDIA's containers)
 * Every step is reported (found / not found / skipped, and why), so that `doctor` can show the user
 * where we looked. All file and process access goes through a DiscoveryHost, so the search and the
 * choice are tested with fake installs; `systemHost()` is the real one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';

/** Full runtime + builder, lean runtime (version-compatible plans of its own version), dispatch shim. */
export type LibraryKind = 'full' | 'dispatch' | 'lean';

export type SearchStepId = 'trt-lib-option' | 'TRT_PARITY_LIBNVINFER' | 'VIRTUAL_ENV' | 'CONDA_PREFIX' | 'python3' | 'TENSORRT_ROOT' | 'LD_LIBRARY_PATH' | 'ldconfig';

export interface LibraryCandidate {
  /** The file as found (a soname link such as .../libnvinfer.so.10 is kept as is). */
  readonly path: string;
  readonly kind: LibraryKind;
  /** From the file name (libnvinfer.so.<major>); null only for an explicit path named otherwise. */
  readonly major: number | null;
  /** "10.16.0", read without loading the library: the link target's name or the pip package's metadata; null when neither says. */
  readonly version: string | null;
  /** Where `version` came from, e.g. "pip package tensorrt_cu13_libs 10.16.0.72"; null when unknown. */
  readonly versionFrom: string | null;
  /** The search step that found it. */
  readonly step: SearchStepId;
}

export interface SearchStep {
  readonly step: SearchStepId;
  readonly outcome: 'found' | 'not-found' | 'skipped';
  /** Folders (or the file) looked at, in order. */
  readonly looked: readonly string[];
  /** One line: what was found, or why nothing was, or why the step was skipped. */
  readonly detail: string;
  readonly candidates: readonly LibraryCandidate[];
}

export interface Discovery {
  readonly steps: readonly SearchStep[];
  /** Every library found, in search order, each file once. */
  readonly candidates: readonly LibraryCandidate[];
  /** The explicit choice (--trt-lib / TRT_PARITY_LIBNVINFER) when there is one, found or not. */
  readonly explicit: { readonly step: SearchStepId; readonly path: string; readonly candidate: LibraryCandidate | null } | null;
}

/** Everything discovery reads from the machine. */
export interface DiscoveryHost {
  readonly env: Readonly<Record<string, string | undefined>>;
  isFile(path: string): boolean;
  isDir(path: string): boolean;
  /** Entry names, or null when the folder cannot be read. */
  listDir(path: string): readonly string[] | null;
  /** The resolved path; the path itself when it cannot be resolved. */
  realpath(path: string): string;
  /** site-packages folders of `python` (an executable path), or why they could not be had. */
  pythonSitePackages(python: string): { readonly dirs: readonly string[]; readonly error: string | null };
  /** `ldconfig -p` output, or why it could not be run. */
  ldconfigCache(): { readonly text: string | null; readonly error: string | null };
}

/** Library file names by kind: libnvinfer.so.10, libnvinfer_lean.so.10, libnvinfer_dispatch.so.10. */
const LIB_NAME = /^libnvinfer(_lean|_dispatch)?\.so\.(\d+)$/;
/** The file a soname link points to in tar and Debian installs: libnvinfer.so.10.16.0. */
const VERSIONED_NAME = /^libnvinfer(?:_lean|_dispatch)?\.so\.(\d+\.\d+\.\d+)$/;
/** pip's folders for each kind, inside site-packages. */
const PIP_FOLDERS: readonly { readonly folder: string; readonly kind: LibraryKind; readonly dist: RegExp }[] = [
  { folder: 'tensorrt_libs', kind: 'full', dist: /^tensorrt(?:_cu\d+)?_libs-(\d+\.\d+\.\d+)([\w.]*)\.dist-info$/ },
  { folder: 'tensorrt_dispatch_libs', kind: 'dispatch', dist: /^tensorrt_dispatch(?:_cu\d+)?_libs-(\d+\.\d+\.\d+)([\w.]*)\.dist-info$/ },
  { folder: 'tensorrt_lean_libs', kind: 'lean', dist: /^tensorrt_lean(?:_cu\d+)?_libs-(\d+\.\d+\.\d+)([\w.]*)\.dist-info$/ },
];

function kindOf(suffix: string | undefined): LibraryKind {
  return suffix === '_lean' ? 'lean' : suffix === '_dispatch' ? 'dispatch' : 'full';
}

/** "10.16.0" of a version string with more parts ("10.16.0.72"); the input when shorter. */
export function threePart(version: string): string {
  return version.split('.').slice(0, 3).join('.');
}

/** The version a library file names through its link target (tar, Debian), or null. */
function versionFromLink(host: DiscoveryHost, path: string): { version: string; from: string } | null {
  const target = basename(host.realpath(path));
  const m = VERSIONED_NAME.exec(target);
  return m ? { version: m[1]!, from: `file name ${target}` } : null;
}

/** Libraries in one folder (any kind), with versions from link targets. */
function scanFolder(host: DiscoveryHost, dir: string, step: SearchStepId, pipVersion?: (kind: LibraryKind) => { version: string; from: string } | null): LibraryCandidate[] {
  const names = host.listDir(dir);
  if (names === null) return [];
  const out: LibraryCandidate[] = [];
  for (const name of [...names].sort()) {
    const m = LIB_NAME.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    if (!host.isFile(path)) continue;
    const kind = kindOf(m[1]);
    const v = versionFromLink(host, path) ?? pipVersion?.(kind) ?? null;
    out.push({ path, kind, major: Number(m[2]), version: v?.version ?? null, versionFrom: v?.from ?? null, step });
  }
  // full first, then dispatch, then lean: the order selection prefers within a folder
  const rank: Record<LibraryKind, number> = { full: 0, dispatch: 1, lean: 2 };
  return out.sort((a, b) => rank[a.kind] - rank[b.kind] || (b.major ?? 0) - (a.major ?? 0));
}

/** Libraries pip put in one site-packages folder, versions from the wheels' dist-info names. */
function scanSitePackages(host: DiscoveryHost, site: string, step: SearchStepId): LibraryCandidate[] {
  const entries = host.listDir(site) ?? [];
  const out: LibraryCandidate[] = [];
  for (const { folder, kind, dist } of PIP_FOLDERS) {
    const dir = join(site, folder);
    if (!host.isDir(dir)) continue;
    const pip = (): { version: string; from: string } | null => {
      for (const e of entries) {
        const m = dist.exec(e);
        if (m) return { version: m[1]!, from: `pip package ${e.replace(/\.dist-info$/, '').replace('-', ' ')}` };
      }
      return null;
    };
    out.push(...scanFolder(host, dir, step, (k) => (k === kind ? pip() : null)));
  }
  return out;
}

/** lib/python3.X/site-packages (and lib64) under an environment prefix. */
function sitePackagesUnder(host: DiscoveryHost, prefix: string): string[] {
  const out: string[] = [];
  for (const lib of ['lib', 'lib64']) {
    for (const name of [...(host.listDir(join(prefix, lib)) ?? [])].sort().reverse()) {
      if (!/^python3(\.\d+)?$/.test(name)) continue;
      const site = join(prefix, lib, name, 'site-packages');
      if (host.isDir(site) && !out.includes(host.realpath(site))) out.push(host.realpath(site));
    }
  }
  return out;
}

function which(host: DiscoveryHost, name: string): string | null {
  for (const dir of (host.env['PATH'] ?? '').split(delimiter)) {
    if (dir && host.isFile(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Parses `ldconfig -p`: "\tlibnvinfer.so.10 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvinfer.so.10". */
export function parseLdconfig(text: string): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(libnvinfer(?:_lean|_dispatch)?\.so\.\d+)\s+\(([^)]*)\)\s+=>\s+(\S.*)$/.exec(line);
    // 32-bit and other-architecture entries cannot be loaded by a 64-bit Node.
    if (m && /x86-64/.test(m[2]!)) out.push({ name: m[1]!, path: m[3]!.trim() });
  }
  return out;
}

function describe(found: readonly LibraryCandidate[]): string {
  return found.map((c) => `${basename(c.path)}${c.version ? ` (${c.version})` : ''}`).join(', ');
}

function step(id: SearchStepId, looked: string[], found: LibraryCandidate[], none: string): SearchStep {
  return found.length > 0
    ? { step: id, outcome: 'found', looked, detail: `found ${describe(found)}`, candidates: found }
    : { step: id, outcome: 'not-found', looked, detail: none, candidates: [] };
}

function skipped(id: SearchStepId, why: string): SearchStep {
  return { step: id, outcome: 'skipped', looked: [], detail: why, candidates: [] };
}

/** An explicit path: a library file, or a folder holding one. */
function explicitCandidate(host: DiscoveryHost, path: string, id: SearchStepId): { step: SearchStep; candidate: LibraryCandidate | null } {
  const abs = resolve(path);
  if (host.isDir(abs)) {
    const inside = scanFolder(host, abs, id);
    const found = inside[0] ?? null;
    return { step: step(id, [abs], inside, `${abs} is a folder without libnvinfer.so.N, libnvinfer_dispatch.so.N or libnvinfer_lean.so.N`), candidate: found };
  }
  if (!host.isFile(abs)) return { step: { step: id, outcome: 'not-found', looked: [abs], detail: `${abs} does not exist`, candidates: [] }, candidate: null };
  const m = LIB_NAME.exec(basename(abs));
  const v = versionFromLink(host, abs) ?? (VERSIONED_NAME.test(basename(abs)) ? { version: VERSIONED_NAME.exec(basename(abs))![1]!, from: `file name ${basename(abs)}` } : null);
  const kindMatch = /^libnvinfer(_lean|_dispatch)?\.so/.exec(basename(abs));
  const major = m ? Number(m[2]) : v ? Number(v.version.split('.')[0]) : null;
  const candidate: LibraryCandidate = { path: abs, kind: kindOf(kindMatch?.[1]), major, version: v?.version ?? null, versionFrom: v?.from ?? null, step: id };
  return { step: step(id, [abs], [candidate], ''), candidate };
}

/**
 * Runs every search step in order and returns what each found.
 * @param options.trtLib The --trt-lib value, when given (wins over TRT_PARITY_LIBNVINFER).
 */
export function discoverTensorRt(host: DiscoveryHost, options: { readonly trtLib?: string | undefined } = {}): Discovery {
  const steps: SearchStep[] = [];
  let explicit: Discovery['explicit'] = null;
  const envLib = host.env['TRT_PARITY_LIBNVINFER'];
  if (options.trtLib) {
    const r = explicitCandidate(host, options.trtLib, 'trt-lib-option');
    steps.push(r.step);
    explicit = { step: 'trt-lib-option', path: resolve(options.trtLib), candidate: r.candidate };
  } else {
    steps.push(skipped('trt-lib-option', '--trt-lib not given'));
  }
  if (!envLib) steps.push(skipped('TRT_PARITY_LIBNVINFER', 'TRT_PARITY_LIBNVINFER not set'));
  else if (explicit) steps.push(skipped('TRT_PARITY_LIBNVINFER', `set to ${envLib}, but --trt-lib wins`));
  else {
    const r = explicitCandidate(host, envLib, 'TRT_PARITY_LIBNVINFER');
    steps.push(r.step);
    explicit = { step: 'TRT_PARITY_LIBNVINFER', path: resolve(envLib), candidate: r.candidate };
  }

  // Python environments: each prefix once, even when python3 on PATH belongs to the active venv.
  const seenPrefixes: string[] = [];
  for (const id of ['VIRTUAL_ENV', 'CONDA_PREFIX'] as const) {
    const prefix = host.env[id];
    if (!prefix) {
      steps.push(skipped(id, `${id} not set`));
      continue;
    }
    const real = host.realpath(prefix);
    if (seenPrefixes.includes(real)) {
      steps.push(skipped(id, `${prefix} was searched already`));
      continue;
    }
    seenPrefixes.push(real);
    const sites = sitePackagesUnder(host, prefix);
    if (sites.length === 0) {
      steps.push({ step: id, outcome: 'not-found', looked: [prefix], detail: `no lib/python3.*/site-packages under ${prefix}`, candidates: [] });
      continue;
    }
    steps.push(step(id, sites, sites.flatMap((s) => scanSitePackages(host, s, id)), `no tensorrt_libs/, tensorrt_dispatch_libs/ or tensorrt_lean_libs/ in ${sites.join(', ')}`));
  }
  const python = which(host, 'python3');
  if (python === null) steps.push(skipped('python3', 'no python3 on PATH'));
  else {
    const realPython = host.realpath(python);
    // A venv's python3 is a link to the base interpreter: compare the folder the link sits in.
    const owner = seenPrefixes.find((p) => host.realpath(dirname(dirname(python))) === p || realPython.startsWith(`${p}/`));
    if (owner !== undefined) steps.push(skipped('python3', `${python} belongs to ${owner}, searched already`));
    else {
      const { dirs, error } = host.pythonSitePackages(python);
      if (error !== null) steps.push({ step: 'python3', outcome: 'not-found', looked: [python], detail: `could not ask ${python} for its site-packages: ${error}`, candidates: [] });
      else {
        const sites = dirs.filter((d) => host.isDir(d));
        steps.push(step('python3', [...dirs], sites.flatMap((s) => scanSitePackages(host, s, 'python3')), `${python}: no tensorrt_libs/, tensorrt_dispatch_libs/ or tensorrt_lean_libs/ in ${dirs.length > 0 ? dirs.join(', ') : 'its site-packages (it named none)'}`));
      }
    }
  }

  const root = host.env['TENSORRT_ROOT'];
  if (!root) steps.push(skipped('TENSORRT_ROOT', 'TENSORRT_ROOT not set'));
  else {
    const dirs = [join(root, 'lib'), join(root, 'lib64')].filter((d) => host.isDir(d));
    steps.push(step('TENSORRT_ROOT', dirs.length > 0 ? dirs : [join(root, 'lib')], dirs.flatMap((d) => scanFolder(host, d, 'TENSORRT_ROOT')), dirs.length > 0 ? `no libnvinfer*.so.N in ${dirs.join(', ')}` : `${join(root, 'lib')} does not exist`));
  }

  const ldPath = (host.env['LD_LIBRARY_PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  if (ldPath.length === 0) steps.push(skipped('LD_LIBRARY_PATH', 'LD_LIBRARY_PATH not set'));
  else steps.push(step('LD_LIBRARY_PATH', ldPath, ldPath.flatMap((d) => scanFolder(host, d, 'LD_LIBRARY_PATH')), `no libnvinfer*.so.N in ${ldPath.join(', ')}`));

  const cache = host.ldconfigCache();
  if (cache.text === null) steps.push(skipped('ldconfig', `could not read the system library cache: ${cache.error ?? 'ldconfig not found'}`));
  else {
    const found = parseLdconfig(cache.text)
      .filter((e) => host.isFile(e.path))
      .map((e): LibraryCandidate => {
        const m = LIB_NAME.exec(e.name)!;
        const v = versionFromLink(host, e.path);
        return { path: e.path, kind: kindOf(m[1]), major: Number(m[2]), version: v?.version ?? null, versionFrom: v?.from ?? null, step: 'ldconfig' };
      });
    steps.push(step('ldconfig', ['ldconfig -p'], found, 'no libnvinfer*.so.N in the system library cache'));
  }

  // Each file once (a venv's libs may also be on LD_LIBRARY_PATH): the earliest step keeps it.
  const seen = new Set<string>();
  const candidates: LibraryCandidate[] = [];
  for (const s of steps) {
    for (const c of s.candidates) {
      const key = host.realpath(c.path);
      if (seen.has(key)) continue;
      seen.add(key);
      candidates.push(c);
    }
  }
  return { steps, candidates, explicit };
}

export interface LibraryChoice {
  /** The library to load; null when none fits. */
  readonly selected: LibraryCandidate | null;
  /** One line: why this one (or why none). */
  readonly why: string;
  /** Caveat of the choice (a lean or dispatch runtime runs only version-compatible plans); null when none. */
  readonly note: string | null;
  /** The one command that installs what is missing, when nothing fits; null otherwise. */
  readonly fix: string | null;
}

export interface ChoiceRequest {
  /** TensorRT version the engine's plan header names ("10.16.0"); null when there is no engine or it does not say. */
  readonly planVersion?: string | null;
  /** Majors there is an addon for (prebuilt or built); null when unknown (any goes). */
  readonly addonMajors?: readonly number[] | null;
  /** CUDA major of the addon, for the pip package name (tensorrt-cu13). Defaults to 13. */
  readonly cudaMajor?: number | null;
}

/** The pip command that installs TensorRT `version` (or `major`.x) for CUDA `cudaMajor`. */
export function pipInstallCommand(major: number, version: string | null, cudaMajor: number): string {
  const [, minor] = (version ?? '').split('.');
  // 8.6 predates the per-CUDA package names; 10.x and 11.x are published as tensorrt-cuNN.
  if (major === 8) return `pip install 'tensorrt==8.6.*'`;
  return `pip install 'tensorrt-cu${cudaMajor}==${major}.${minor !== undefined && minor !== '' ? `${minor}.*` : '*'}'`;
}

const KIND_RANK: Record<LibraryKind, number> = { full: 0, dispatch: 1, lean: 2 };

function kindNote(c: LibraryCandidate): string | null {
  if (c.kind === 'lean') return `${basename(c.path)} is TensorRT's lean runtime: it runs only version-compatible plans (built with --versionCompatible) by the same TensorRT version${c.version ? ` (${c.version})` : ''}; install the full runtime for other plans`;
  if (c.kind === 'dispatch') return `${basename(c.path)} is TensorRT's dispatch runtime: it runs only version-compatible plans (they carry their own lean runtime; needs --allow-engine-host-code)`;
  return null;
}

/**
 * Chooses the library to load among discovered ones.
 * An explicit choice wins (and a missing explicit file is an error, never a silent fallback).
 * Otherwise: the major the plan asks for, else the newest major there is an addon for; within it the
 * full runtime before the dispatch and lean ones, a library of exactly the plan's version first, then
 * search order.
 */
export function chooseLibrary(discovery: Discovery, request: ChoiceRequest = {}): LibraryChoice {
  const cudaMajor = request.cudaMajor ?? 13;
  const planMajor = request.planVersion ? Number(request.planVersion.split('.')[0]) : null;
  const planVersion = request.planVersion ? threePart(request.planVersion) : null;
  if (discovery.explicit !== null) {
    const { step: from, path, candidate } = discovery.explicit;
    const what = from === 'trt-lib-option' ? '--trt-lib' : 'TRT_PARITY_LIBNVINFER';
    if (candidate === null) return { selected: null, why: `${what} names ${path}, which is not a TensorRT library (or does not exist)`, note: null, fix: `fix ${what}, or leave it out to search the usual places` };
    return { selected: candidate, why: `chosen with ${what}`, note: kindNote(candidate), fix: null };
  }
  const usable = discovery.candidates.filter((c) => c.major !== null && (request.addonMajors == null || request.addonMajors.includes(c.major)));
  const wantMajor = planMajor ?? usable.reduce<number | null>((m, c) => (m === null || c.major! > m ? c.major : m), null);
  if (wantMajor === null) {
    const other = discovery.candidates.filter((c) => c.major !== null).map((c) => c.major!);
    const newestAddon = request.addonMajors && request.addonMajors.length > 0 ? Math.max(...request.addonMajors) : 10;
    return {
      selected: null,
      why: other.length > 0 ? `found TensorRT ${[...new Set(other)].join(', ')}, but there is no addon for ${other.length > 1 ? 'those majors' : 'that major'} (addons: ${request.addonMajors?.join(', ') ?? 'none'})` : 'no TensorRT library found',
      note: null,
      fix: pipInstallCommand(newestAddon, null, cudaMajor),
    };
  }
  const pool = usable.filter((c) => c.major === wantMajor);
  if (pool.length === 0) {
    const noAddon = request.addonMajors != null && !request.addonMajors.includes(wantMajor);
    return {
      selected: null,
      why: noAddon ? `the plan was built by TensorRT ${request.planVersion}, and this trt-parity has no addon for TensorRT ${wantMajor} (addons: ${request.addonMajors!.join(', ') || 'none'})`
        : `the plan was built by TensorRT ${request.planVersion}, and no TensorRT ${wantMajor} library was found${usable.length > 0 ? ` (found ${describe(usable)})` : ''}`,
      note: null,
      fix: noAddon ? null : pipInstallCommand(wantMajor, planVersion, cudaMajor),
    };
  }
  const exact = (c: LibraryCandidate): number => (planVersion !== null && c.version !== null && threePart(c.version) === planVersion ? 0 : 1);
  const ranked = [...pool].sort((a, b) => KIND_RANK[a.kind] - KIND_RANK[b.kind] || exact(a) - exact(b));
  const selected = ranked[0]!;
  const why = planMajor !== null
    ? `the plan was built by TensorRT ${request.planVersion}; ${selected.kind === 'full' ? 'the' : `no full TensorRT ${wantMajor} runtime was found, so the`} ${selected.kind} runtime found through ${selected.step}`
    : `newest TensorRT major found${request.addonMajors ? ' with an addon' : ''} (${wantMajor}), found through ${selected.step}`;
  let note = kindNote(selected);
  if (planVersion !== null && selected.version !== null && threePart(selected.version) !== planVersion) {
    const mismatch = `the plan was built by ${planVersion} and this library is ${selected.version}: unless the plan is version-compatible, TensorRT refuses it`;
    note = note ? `${note}; ${mismatch}` : mismatch;
  }
  return { selected, why, note, fix: null };
}

// ---------------------------------------------------------------- prebuilt addons

/** prebuilds/<platform>/manifest.json, written by scripts/prebuild.mjs. */
export interface PrebuildManifest {
  readonly schema: 1;
  readonly platform: string;
  readonly abiVersion: number;
  readonly cudaVersion: string;
  readonly builtAt: string;
  readonly addons: readonly PrebuildEntry[];
}

export interface PrebuildEntry {
  /** File name inside the platform folder, e.g. "trt_parity-trt10.node". */
  readonly file: string;
  /** Null for the CUDA-only addon. */
  readonly tensorrtMajor: number | null;
  readonly tensorrtHeaderVersion: string | null;
}

/** The folder of prebuilt addons for this platform, relative to the package root. */
export function prebuildDir(root: string, platform = `${process.platform}-${process.arch}`): string {
  return join(root, 'prebuilds', platform);
}

/** Parses a manifest; throws with the field that is wrong. */
export function parsePrebuildManifest(json: unknown): PrebuildManifest {
  const m = json as Partial<PrebuildManifest> | null;
  if (typeof m !== 'object' || m === null || m.schema !== 1) throw new Error('not a schema-1 prebuild manifest');
  if (typeof m.abiVersion !== 'number') throw new Error('abiVersion is missing');
  if (!Array.isArray(m.addons)) throw new Error('addons is missing');
  for (const a of m.addons) {
    if (typeof a?.file !== 'string' || (a.tensorrtMajor !== null && typeof a.tensorrtMajor !== 'number')) throw new Error(`bad addon entry ${JSON.stringify(a)}`);
  }
  return { schema: 1, platform: String(m.platform ?? ''), abiVersion: m.abiVersion, cudaVersion: String(m.cudaVersion ?? ''), builtAt: String(m.builtAt ?? ''), addons: m.addons };
}

/**
 * The prebuilt addon for TensorRT `major`: the one built for it; when there is none (or major is
 * null: no library found), the newest TensorRT one, so that the user is told which library is
 * missing; the CUDA-only one when the manifest has no TensorRT addon at all.
 */
export function selectPrebuild(manifest: PrebuildManifest, major: number | null): { entry: PrebuildEntry | null; why: string } {
  const trt = manifest.addons.filter((a) => a.tensorrtMajor !== null).sort((a, b) => b.tensorrtMajor! - a.tensorrtMajor!);
  const exact = major === null ? undefined : trt.find((a) => a.tensorrtMajor === major);
  if (exact) return { entry: exact, why: `prebuilt for TensorRT ${major} (headers ${exact.tensorrtHeaderVersion ?? '?'}), the major of the library found` };
  const newest = trt[0];
  if (newest) {
    return { entry: newest, why: major === null ? `no TensorRT library found; the prebuilt addon for the newest major (${newest.tensorrtMajor})` : `no prebuilt addon for TensorRT ${major}; the newest one (${newest.tensorrtMajor})` };
  }
  const cudaOnly = manifest.addons.find((a) => a.tensorrtMajor === null);
  if (cudaOnly) return { entry: cudaOnly, why: 'the only prebuilt addon is the CUDA-only one (no TensorRT in it)' };
  return { entry: null, why: 'the prebuild manifest lists no addon' };
}

/** Reads prebuilds/<platform>/manifest.json; null manifest when absent, error when unreadable. */
export function readPrebuildManifest(root: string): { manifest: PrebuildManifest | null; dir: string; error: string | null } {
  const dir = prebuildDir(root);
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return { manifest: null, dir, error: null };
  try {
    return { manifest: parsePrebuildManifest(JSON.parse(readFileSync(path, 'utf8'))), dir, error: null };
  } catch (err) {
    return { manifest: null, dir, error: `${path}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

// ---------------------------------------------------------------- the real machine

/** Asks python3 where its packages go: the system, user and (in a venv) the env's site-packages. */
const PYTHON_SITES = "import json,site,sysconfig;p=sysconfig.get_paths();s=set(getattr(site,'getsitepackages',lambda:[])());s.update([p['purelib'],p['platlib']]);u=getattr(site,'getusersitepackages',lambda:None)();s.add(u) if u else None;print(json.dumps(sorted(s)))";

/** The DiscoveryHost of this machine. */
export function systemHost(env: Readonly<Record<string, string | undefined>> = process.env): DiscoveryHost {
  const stat = (p: string): ReturnType<typeof statSync> | null => {
    try {
      return statSync(p);
    } catch {
      return null;
    }
  };
  return {
    env,
    isFile: (p) => stat(p)?.isFile() ?? false,
    isDir: (p) => stat(p)?.isDirectory() ?? false,
    listDir: (p) => {
      try {
        return readdirSync(p);
      } catch {
        return null;
      }
    },
    realpath: (p) => {
      try {
        return realpathSync(p);
      } catch {
        return p;
      }
    },
    pythonSitePackages: (python) => {
      const r = spawnSync(python, ['-c', PYTHON_SITES], { encoding: 'utf8', timeout: 10_000, env: { ...env } });
      if (r.error) return { dirs: [], error: r.error.message };
      if (r.status !== 0) return { dirs: [], error: (r.stderr || `exit ${r.status}`).trim().split('\n').pop() ?? '' };
      try {
        return { dirs: JSON.parse(r.stdout) as string[], error: null };
      } catch {
        return { dirs: [], error: `unexpected output: ${r.stdout.slice(0, 200)}` };
      }
    },
    ldconfigCache: () => {
      // Not on a non-root user's PATH on Debian: look where it lives too.
      const dirs = [...(env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''), '/sbin', '/usr/sbin'];
      const ldconfig = dirs.map((d) => join(d, 'ldconfig')).find((p) => stat(p)?.isFile() ?? false);
      if (!ldconfig) return { text: null, error: 'ldconfig not found' };
      const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 10_000, maxBuffer: 16 * 1024 * 1024 });
      if (r.error) return { text: null, error: r.error.message };
      if (r.status !== 0) return { text: null, error: (r.stderr || `exit ${r.status}`).trim() };
      return { text: r.stdout, error: null };
    },
  };
}

// ---------------------------------------------------------------- which addon, which library

/** Where the addon comes from: a prebuilt one shipped in the package, one built from source, or none. */
export type AddonSource = 'prebuilt' | 'built' | 'none';

export interface AddonResolution {
  /** The addon file to load (for 'none', where a build from source would put it). */
  readonly path: string;
  readonly source: AddonSource;
  /** One line: why this addon (or why none). */
  readonly why: string;
  /** The prebuild manifest, when the package has one for this platform. */
  readonly manifest: PrebuildManifest | null;
  /** The manifest entry in use, when source is 'prebuilt'. */
  readonly prebuild: PrebuildEntry | null;
  readonly discovery: Discovery;
  readonly library: LibraryChoice;
}

export interface ResolveOptions {
  /** The package root (holding build/ and prebuilds/). */
  readonly root: string;
  /** Where the addon built from source would be, relative to root. */
  readonly builtPath: string;
  /** TensorRT header version of the addon built from source (from its build status); null when not built in or unknown. */
  readonly builtHeaderVersion?: string | null;
  /** The --trt-lib value. */
  readonly trtLib?: string | undefined;
  /** TensorRT version in the plan header of the engine about to be loaded. */
  readonly planVersion?: string | null;
  readonly host?: DiscoveryHost;
}

/**
 * Decides which addon to load and which TensorRT library it should open:
 * TRT_PARITY_ADDON, else the addon built from source (build/Release, `npm run build:native`), else the
 * prebuilt addon for the major of the library found (prebuilds/<platform>/).
 */
export function resolveAddon(options: ResolveOptions): AddonResolution {
  const host = options.host ?? systemHost();
  const discovery = discoverTensorRt(host, { trtLib: options.trtLib });
  const { manifest, dir, error } = readPrebuildManifest(options.root);
  const cudaMajor = manifest ? Number(manifest.cudaVersion.split('.')[0]) || null : null;
  const request = { planVersion: options.planVersion ?? null, cudaMajor };
  const fromEnv = host.env['TRT_PARITY_ADDON'];
  const builtPath = join(options.root, options.builtPath);
  const base = { manifest, prebuild: null, discovery };
  if (fromEnv) {
    return { ...base, path: resolve(fromEnv), source: 'built', why: `TRT_PARITY_ADDON names ${resolve(fromEnv)}`, library: chooseLibrary(discovery, request) };
  }
  if (host.isFile(builtPath)) {
    const major = options.builtHeaderVersion ? Number(options.builtHeaderVersion.split('.')[0]) : null;
    const library = chooseLibrary(discovery, { ...request, addonMajors: major === null ? null : [major] });
    return { ...base, path: builtPath, source: 'built', why: `built from source (npm run build:native)${major === null ? ', without TensorRT' : ` against TensorRT ${options.builtHeaderVersion} headers`}; a build from source wins over the prebuilt addons`, library };
  }
  if (manifest !== null) {
    const majors = manifest.addons.map((a) => a.tensorrtMajor).filter((m): m is number => m !== null);
    const library = chooseLibrary(discovery, { ...request, addonMajors: majors });
    // The library decides the addon; without one, the plan's major (so the message names the right library).
    const planMajor = options.planVersion ? Number(options.planVersion.split('.')[0]) : null;
    const { entry, why } = selectPrebuild(manifest, library.selected?.major ?? planMajor);
    if (entry !== null) return { ...base, path: join(dir, entry.file), source: 'prebuilt', why, prebuild: entry, library };
    return { ...base, path: builtPath, source: 'none', why: `${join(dir, 'manifest.json')}: ${why}`, library };
  }
  const none = error ?? `no prebuilt addon for ${basename(dir)} in this package, and none built from source (npm run build:native)`;
  return { ...base, path: builtPath, source: 'none', why: none, library: chooseLibrary(discovery, request) };
}
