"""Build script for the textkern C extension (textkern._core).

utf8proc and zlib come from the system and are found with pkg-config.
utf8proc is linked statically when libutf8proc.a is present so that the
wheel stands alone; its symbols are hidden so that only PyInit__core is
exported.
"""
import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

MISSING_UTF8PROC = """
textkern needs the utf8proc C library (headers and pkg-config file) to build.
Install it, then retry:
  Debian/Ubuntu:  sudo apt-get install libutf8proc-dev pkg-config
  Fedora:         sudo dnf install utf8proc-devel pkgconf-pkg-config
  Homebrew:       brew install utf8proc pkg-config
  conda-forge:    conda install -c conda-forge utf8proc pkg-config
"""


def pkg_config(*args):
    exe = shutil.which("pkg-config")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, *args], check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError:
        return None
    return out.stdout.split()


def find_library(name):
    """Return (include_dirs, library_dirs, libraries, static_archive, cflags)."""
    cflags = pkg_config("--cflags", name)
    libs = pkg_config("--libs", name)
    if cflags is None or libs is None:
        return None
    include_dirs = [f[2:] for f in cflags if f.startswith("-I")]
    defines = [f for f in cflags if f.startswith("-D")]
    library_dirs = [f[2:] for f in libs if f.startswith("-L")]
    libraries = [f[2:] for f in libs if f.startswith("-l")]
    libdir = (pkg_config("--variable=libdir", name) or [""])[0]
    return include_dirs, library_dirs, libraries, libdir, defines


def utf8proc_settings():
    found = find_library("libutf8proc")
    if found is None:
        sys.exit("error: utf8proc was not found by pkg-config." + MISSING_UTF8PROC)
    include_dirs, library_dirs, libraries, libdir, defines = found
    archive = os.path.join(libdir, "libutf8proc.a") if libdir else ""
    settings = {"include_dirs": include_dirs, "library_dirs": [], "libraries": [],
                "extra_objects": [], "define_macros": []}
    # utf8proc's .pc adds -DUTF8PROC_EXPORTS (a Windows dllexport switch);
    # for a static link we want plain declarations instead.
    if os.path.exists(archive) and os.environ.get("TEXTKERN_SHARED_UTF8PROC") != "1":
        settings["extra_objects"].append(archive)
        settings["define_macros"].append(("UTF8PROC_STATIC", "1"))
    else:
        settings["library_dirs"] = library_dirs
        settings["libraries"] = libraries
    return settings


def zlib_settings():
    found = find_library("zlib")
    if found is None:
        return {"include_dirs": [], "library_dirs": [], "libraries": ["z"]}
    include_dirs, library_dirs, libraries, _, _ = found
    return {"include_dirs": include_dirs, "library_dirs": library_dirs,
            "libraries": libraries}


def configure(ext):
    """Fill in ext's compiler and linker settings from pkg-config.

    Called when the extension is built, not when setup.py is imported, so
    that making an sdist or reading the metadata does not need utf8proc.
    """
    u8 = utf8proc_settings()
    zl = zlib_settings()
    compile_args = ["-std=c99", "-Wall", "-Wextra", "-fvisibility=hidden",
                    "-D_GNU_SOURCE", "-O2"]
    if os.environ.get("TEXTKERN_SANITIZE"):
        compile_args += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-O1", "-g"]
    define_macros = list(u8["define_macros"])
    if os.environ.get("TEXTKERN_ALLOC_FAULTS") == "1":
        # Test builds only: _core._fail_alloc_after(n) makes the core's n-th
        # allocation fail (tests/test_alloc_failures.py).
        define_macros.append(("TK_ALLOC_FAULTS", "1"))
    link_args = ["-Wl,--exclude-libs,ALL", "-pthread"]
    if os.environ.get("TEXTKERN_SANITIZE"):
        link_args += ["-fsanitize=address,undefined"]
    ext.include_dirs += u8["include_dirs"] + zl["include_dirs"]
    ext.library_dirs += u8["library_dirs"] + zl["library_dirs"]
    ext.libraries += u8["libraries"] + zl["libraries"]
    ext.extra_objects += u8["extra_objects"]
    ext.define_macros += define_macros
    ext.extra_compile_args += compile_args
    ext.extra_link_args += link_args


class BuildExt(build_ext):
    def build_extensions(self):
        for ext in self.extensions:
            if not getattr(ext, "textkern_configured", False):
                configure(ext)
                ext.textkern_configured = True
        super().build_extensions()


setup(
    ext_modules=[Extension(
        "textkern._core",
        sources=sorted(glob.glob("csrc/core/*.c")) + sorted(glob.glob("csrc/binding/*.c")),
        depends=sorted(glob.glob("csrc/**/*.h", recursive=True)),
    )],
    cmdclass={"build_ext": BuildExt},
)
