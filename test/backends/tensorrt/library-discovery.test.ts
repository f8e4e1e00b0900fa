import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chooseLibrary,
  discoverTensorRt,
  type DiscoveryHost,
  parseLdconfig,
  parsePrebuildManifest,
  pipInstallCommand,
  selectPrebuild,
} from '../../../src/backends/tensorrt/library-discovery.js';

/**
 * An in-memory machine: `files` are paths of regular files, `links` map a link to its target
 * (realpath), folders are implied by the files under them.
 */
function fakeHost(spec: {
  files: string[];
  links?: Record<string, string>;
  env?: Record<string, string>;
  python?: Record<string, string[]>;
  ldconfig?: string | null;
}): DiscoveryHost & { pythonCalls: string[] } {
  const files = new Set(spec.files);
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 2; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const pythonCalls: string[] = [];
  return {
    env: spec.env ?? {},
    pythonCalls,
    isFile: (p) => files.has(p),
    isDir: (p) => dirs.has(p),
    listDir: (p) => {
      if (!dirs.has(p)) return null;
      const names = new Set<string>();
      for (const x of [...files, ...dirs]) if (x.startsWith(`${p}/`)) names.add(x.slice(p.length + 1).split('/')[0]!);
      return [...names];
    },
    realpath: (p) => spec.links?.[p] ?? p,
    pythonSitePackages: (python) => {
      pythonCalls.push(python);
      const dirsOf = spec.python?.[python];
      return dirsOf ? { dirs: dirsOf, error: null } : { dirs: [], error: 'No module named site' };
    },
    ldconfigCache: () => (spec.ldconfig === undefined || spec.ldconfig === null ? { text: null, error: 'ldconfig not found' } : { text: spec.ldconfig, error: null }),
  };
}

const VENV = '/home/u/venv';
const SITE = `${VENV}/lib/python3.12/site-packages`;
const ROOT = '/opt/TensorRT-10.16.0';

describe('discoverTensorRt', () => {
  it('searches in the documented order and reports each step', () => {
    const host = fakeHost({
      files: [
        `${SITE}/tensorrt_libs/libnvinfer.so.10`,
        `${SITE}/tensorrt_cu13_libs-10.16.0.72.dist-info/METADATA`,
        `${ROOT}/lib/libnvinfer.so.10.16.0`,
        `${ROOT}/lib/libnvinfer.so.10`,
        '/ld/one/libnvinfer.so.11',
        '/usr/lib/x86_64-linux-gnu/libnvinfer.so.8',
        '/usr/bin/python3',
      ],
      links: { [`${ROOT}/lib/libnvinfer.so.10`]: `${ROOT}/lib/libnvinfer.so.10.16.0` },
      env: { VIRTUAL_ENV: VENV, TENSORRT_ROOT: ROOT, LD_LIBRARY_PATH: '/ld/one:/ld/empty', PATH: '/usr/bin' },
      python: { '/usr/bin/python3': ['/usr/lib/python3/dist-packages'] },
      ldconfig: '3 libs found in cache `/etc/ld.so.cache\'\n\tlibnvinfer.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvinfer.so.8\n',
    });
    const d = discoverTensorRt(host);
    assert.deepEqual(d.steps.map((s) => [s.step, s.outcome]), [
      ['trt-lib-option', 'skipped'],
      ['TRT_PARITY_LIBNVINFER', 'skipped'],
      ['VIRTUAL_ENV', 'found'],
      ['CONDA_PREFIX', 'skipped'],
      ['python3', 'not-found'],
      ['TENSORRT_ROOT', 'found'],
      ['LD_LIBRARY_PATH', 'found'],
      ['ldconfig', 'found'],
    ]);
    assert.deepEqual(d.candidates.map((c) => [c.path, c.kind, c.major, c.version, c.step]), [
      [`${SITE}/tensorrt_libs/libnvinfer.so.10`, 'full', 10, '10.16.0', 'VIRTUAL_ENV'],
      [`${ROOT}/lib/libnvinfer.so.10`, 'full', 10, '10.16.0', 'TENSORRT_ROOT'],
      ['/ld/one/libnvinfer.so.11', 'full', 11, null, 'LD_LIBRARY_PATH'],
      ['/usr/lib/x86_64-linux-gnu/libnvinfer.so.8', 'full', 8, null, 'ldconfig'],
    ]);
    assert.equal(d.candidates[0]!.versionFrom, 'pip package tensorrt_cu13_libs 10.16.0.72');
    assert.equal(d.candidates[1]!.versionFrom, 'file name libnvinfer.so.10.16.0');
    assert.match(d.steps[3]!.detail, /CONDA_PREFIX not set/);
    assert.match(d.steps[4]!.detail, /no tensorrt_libs\/.*\/usr\/lib\/python3\/dist-packages/);
  });

  it('finds the lean and dispatch runtimes pip installs, with their wheel versions', () => {
    const host = fakeHost({
      files: [
        `${SITE}/tensorrt_lean_libs/libnvinfer_lean.so.10`,
        `${SITE}/tensorrt_lean_libs/libnvinfer_vc_plugin.so.10`,
        `${SITE}/tensorrt_lean_cu13_libs-10.16.1.11.dist-info/RECORD`,
        `${SITE}/tensorrt_dispatch_libs/libnvinfer_dispatch.so.10`,
        `${SITE}/tensorrt_dispatch_cu13_libs-10.16.1.11.dist-info/RECORD`,
      ],
      env: { VIRTUAL_ENV: VENV },
    });
    const d = discoverTensorRt(host);
    assert.deepEqual(d.candidates.map((c) => [c.kind, c.major, c.version]), [['dispatch', 10, '10.16.1'], ['lean', 10, '10.16.1']]);
    assert.equal(d.steps.find((s) => s.step === 'python3')!.detail, 'no python3 on PATH');
    assert.match(d.steps.find((s) => s.step === 'ldconfig')!.detail, /could not read the system library cache: ldconfig not found/);
  });

  it('does not ask python3 again when it is the active venv\'s', () => {
    const host = fakeHost({
      files: [`${VENV}/bin/python3`, `${SITE}/tensorrt_libs/libnvinfer.so.10`],
      links: { [`${VENV}/bin/python3`]: '/usr/bin/python3.12' },
      env: { VIRTUAL_ENV: VENV, PATH: `${VENV}/bin:/usr/bin` },
    });
    const d = discoverTensorRt(host);
    assert.deepEqual(host.pythonCalls, []);
    const py = d.steps.find((s) => s.step === 'python3')!;
    assert.equal(py.outcome, 'skipped');
    assert.match(py.detail, /belongs to \/home\/u\/venv, searched already/);
  });

  it('asks the python3 on PATH for its site-packages (conda base, user site)', () => {
    const host = fakeHost({
      files: ['/usr/bin/python3', '/home/u/.local/lib/python3.11/site-packages/tensorrt_libs/libnvinfer.so.10'],
      env: { PATH: '/usr/bin' },
      python: { '/usr/bin/python3': ['/usr/lib/python3/dist-packages', '/home/u/.local/lib/python3.11/site-packages'] },
    });
    const d = discoverTensorRt(host);
    assert.deepEqual(host.pythonCalls, ['/usr/bin/python3']);
    assert.deepEqual(d.candidates.map((c) => [c.step, c.path]), [['python3', '/home/u/.local/lib/python3.11/site-packages/tensorrt_libs/libnvinfer.so.10']]);
  });

  it('counts a file once, at the earliest step that found it', () => {
    const host = fakeHost({
      files: [`${SITE}/tensorrt_libs/libnvinfer.so.10`],
      env: { VIRTUAL_ENV: VENV, LD_LIBRARY_PATH: `${SITE}/tensorrt_libs` },
    });
    const d = discoverTensorRt(host);
    assert.equal(d.candidates.length, 1);
    assert.equal(d.candidates[0]!.step, 'VIRTUAL_ENV');
    assert.equal(d.steps.find((s) => s.step === 'LD_LIBRARY_PATH')!.outcome, 'found');
  });

  it('takes --trt-lib over TRT_PARITY_LIBNVINFER, and reports a missing explicit file', () => {
    const host = fakeHost({ files: ['/x/libnvinfer.so.10', '/y/libnvinfer_lean.so.11'], env: { TRT_PARITY_LIBNVINFER: '/x/libnvinfer.so.10' } });
    const a = discoverTensorRt(host, { trtLib: '/y/libnvinfer_lean.so.11' });
    assert.equal(a.explicit?.step, 'trt-lib-option');
    assert.deepEqual([a.explicit?.candidate?.kind, a.explicit?.candidate?.major], ['lean', 11]);
    assert.match(a.steps[1]!.detail, /--trt-lib wins/);
    const b = discoverTensorRt(host);
    assert.equal(b.explicit?.candidate?.path, '/x/libnvinfer.so.10');
    const c = discoverTensorRt(host, { trtLib: '/nope/libnvinfer.so.10' });
    assert.equal(c.explicit?.candidate, null);
    const choice = chooseLibrary(c);
    assert.equal(choice.selected, null);
    assert.match(choice.why, /--trt-lib names \/nope\/libnvinfer\.so\.10, which is not a TensorRT library \(or does not exist\)/);
  });

  it('accepts a folder as the explicit path', () => {
    const host = fakeHost({ files: ['/t/lib/libnvinfer.so.10', '/t/lib/libnvinfer_lean.so.10'] });
    const d = discoverTensorRt(host, { trtLib: '/t/lib' });
    assert.equal(d.explicit?.candidate?.path, '/t/lib/libnvinfer.so.10');
  });
});

describe('chooseLibrary', () => {
  const lib = (path: string, major: number, version: string | null, kind: 'full' | 'lean' | 'dispatch' = 'full') =>
    ({ path, kind, major, version, versionFrom: null, step: 'LD_LIBRARY_PATH' as const });
  const discovery = (...candidates: ReturnType<typeof lib>[]) => ({ steps: [], candidates, explicit: null });

  it('takes the newest major when the engine does not say', () => {
    const c = chooseLibrary(discovery(lib('/a/libnvinfer.so.10', 10, '10.16.0'), lib('/b/libnvinfer.so.11', 11, null), lib('/c/libnvinfer.so.8', 8, null)));
    assert.equal(c.selected?.path, '/b/libnvinfer.so.11');
  });

  it('takes the major the plan header asks for, the exact version first', () => {
    const d = discovery(lib('/b/libnvinfer.so.11', 11, null), lib('/a/libnvinfer.so.10', 10, '10.3.0'), lib('/c/libnvinfer.so.10', 10, '10.16.0'));
    const c = chooseLibrary(d, { planVersion: '10.16.0.72' });
    assert.equal(c.selected?.path, '/c/libnvinfer.so.10');
    assert.equal(c.note, null);
    const other = chooseLibrary(d, { planVersion: '10.8.0' });
    assert.equal(other.selected?.path, '/a/libnvinfer.so.10');
    assert.match(other.note ?? '', /built by 10\.8\.0 and this library is 10\.3\.0/);
  });

  it('runs through the lean runtime only when no full runtime of that major is there', () => {
    const lean = lib('/s/tensorrt_lean_libs/libnvinfer_lean.so.10', 10, '10.16.1', 'lean');
    const onlyLean = chooseLibrary(discovery(lean), { planVersion: '10.16.1' });
    assert.equal(onlyLean.selected?.kind, 'lean');
    assert.match(onlyLean.note ?? '', /only version-compatible plans/);
    const both = chooseLibrary(discovery(lean, lib('/z/libnvinfer.so.10', 10, null)), { planVersion: '10.16.1' });
    assert.equal(both.selected?.kind, 'full');
  });

  it('skips majors without an addon, and says what to install when nothing fits', () => {
    const d = discovery(lib('/b/libnvinfer.so.11', 11, null), lib('/a/libnvinfer.so.10', 10, null));
    assert.equal(chooseLibrary(d, { addonMajors: [10] }).selected?.path, '/a/libnvinfer.so.10');
    const none = chooseLibrary(discovery(lib('/b/libnvinfer.so.11', 11, null)), { planVersion: '10.16.0' });
    assert.equal(none.selected, null);
    assert.equal(none.fix, "pip install 'tensorrt-cu13==10.16.*'");
    assert.match(none.why, /no TensorRT 10 library was found \(found libnvinfer\.so\.11\)/);
    const empty = chooseLibrary(discovery(), { addonMajors: [8, 10, 11] });
    assert.equal(empty.fix, "pip install 'tensorrt-cu13==11.*'");
    assert.equal(empty.why, 'no TensorRT library found');
  });

  it('names the pip package of each major', () => {
    assert.equal(pipInstallCommand(8, '8.6.1', 13), "pip install 'tensorrt==8.6.*'");
    assert.equal(pipInstallCommand(10, '10.16.0', 12), "pip install 'tensorrt-cu12==10.16.*'");
    assert.equal(pipInstallCommand(11, null, 13), "pip install 'tensorrt-cu13==11.*'");
  });
});

describe('parseLdconfig', () => {
  it('keeps 64-bit TensorRT entries only', () => {
    const text = [
      '712 libs found in cache `/etc/ld.so.cache\'',
      '\tlibnvinfer_plugin.so.10 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvinfer_plugin.so.10',
      '\tlibnvinfer.so.10 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvinfer.so.10',
      '\tlibnvinfer_lean.so.10 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvinfer_lean.so.10',
      '\tlibnvinfer.so.10 (libc6) => /usr/lib/i386-linux-gnu/libnvinfer.so.10',
    ].join('\n');
    assert.deepEqual(parseLdconfig(text), [
      { name: 'libnvinfer.so.10', path: '/usr/lib/x86_64-linux-gnu/libnvinfer.so.10' },
      { name: 'libnvinfer_lean.so.10', path: '/usr/lib/x86_64-linux-gnu/libnvinfer_lean.so.10' },
    ]);
  });
});

describe('selectPrebuild', () => {
  const manifest = parsePrebuildManifest({
    schema: 1, platform: 'linux-x64', abiVersion: 2, cudaVersion: '13.0', builtAt: '2026-12-02T00:00:00Z',
    addons: [
      { file: 'trt_parity-cuda.node', tensorrtMajor: null, tensorrtHeaderVersion: null },
      { file: 'trt_parity-trt8.node', tensorrtMajor: 8, tensorrtHeaderVersion: '8.6.1' },
      { file: 'trt_parity-trt10.node', tensorrtMajor: 10, tensorrtHeaderVersion: '10.16.0' },
      { file: 'trt_parity-trt11.node', tensorrtMajor: 11, tensorrtHeaderVersion: '11.1.0' },
    ],
  });

  it('picks the addon of the library\'s major', () => {
    assert.equal(selectPrebuild(manifest, 10).entry?.file, 'trt_parity-trt10.node');
    assert.equal(selectPrebuild(manifest, 8).entry?.file, 'trt_parity-trt8.node');
  });

  it('falls back to the newest TensorRT addon so the missing library is named, and to CUDA-only last', () => {
    assert.equal(selectPrebuild(manifest, null).entry?.file, 'trt_parity-trt11.node');
    assert.match(selectPrebuild(manifest, 9).why, /no prebuilt addon for TensorRT 9/);
    const cudaOnly = parsePrebuildManifest({ schema: 1, platform: 'linux-x64', abiVersion: 2, cudaVersion: '13.0', builtAt: '', addons: [{ file: 'trt_parity-cuda.node', tensorrtMajor: null, tensorrtHeaderVersion: null }] });
    assert.equal(selectPrebuild(cudaOnly, 10).entry?.file, 'trt_parity-cuda.node');
  });

  it('refuses a manifest of another shape', () => {
    assert.throws(() => parsePrebuildManifest({ schema: 2 }), /not a schema-1 prebuild manifest/);
    assert.throws(() => parsePrebuildManifest({ schema: 1, abiVersion: 2, addons: [{ file: 3 }] }), /bad addon entry/);
  });
});
