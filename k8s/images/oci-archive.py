#!/usr/bin/env python3
"""Writes an OCI image archive (oci-layout, index.json, blobs/sha256/...) from layer tarballs, without Docker.

  oci-archive.py --name docker.io/library/bazar:dev --out bazar.tar \
      --layer base.tar --layer-dir app=/staging/app --user 1000:1000 --workdir /app \
      --env NODE_ENV=production --entrypoint '["node"]' --cmd '["services/frontend/dist/src/main.js"]'

--layer FILE       an uncompressed tar of files (e.g. a root filesystem from mmdebstrap), used as it is
--layer-dir A=DIR  a layer made from DIR, placed at /A in the image, every entry owned by root (0:0)
--layer-file P=F   a layer holding the single file F at /P (mode kept, owned by root)

Layers are gzipped here (mtime 0) and cached beside their source as FILE.gz + FILE.gz.sha256 when --cache is
given, so a warm rebuild only hashes. The index names the image with both org.opencontainers.image.ref.name and
io.containerd.image.name, so `ctr images import` stores it under exactly --name.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile

LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
CHUNK = 1 << 20


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def root_owned(info):
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = 0
    return info


def tar_of_dir(prefix, directory, out_path):
    """A tar of DIR's tree under PREFIX (sorted, root-owned, mtime 0): the same input gives the same bytes."""
    with tarfile.open(out_path, "w", format=tarfile.PAX_FORMAT) as tar:
        parts = prefix.strip("/").split("/")
        for depth in range(1, len(parts)):
            info = tarfile.TarInfo("/".join(parts[:depth]))
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(root_owned(info))
        for base, dirs, files in os.walk(directory):
            dirs.sort()
            rel = os.path.relpath(base, directory)
            arc = prefix.strip("/") if rel == "." else prefix.strip("/") + "/" + rel
            tar.add(base, arcname=arc, recursive=False, filter=root_owned)
            # os.walk lists symlinks to directories (npm's workspace links) with the directories: keep them as links.
            for name in [d for d in dirs if os.path.islink(os.path.join(base, d))]:
                dirs.remove(name)
                files.append(name)
            for name in sorted(files):
                tar.add(os.path.join(base, name), arcname=arc + "/" + name, recursive=False, filter=root_owned)


def tar_of_file(path_in_image, source, out_path):
    with tarfile.open(out_path, "w", format=tarfile.PAX_FORMAT) as tar:
        parts = path_in_image.strip("/").split("/")
        for depth in range(1, len(parts)):
            info = tarfile.TarInfo("/".join(parts[:depth]))
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(root_owned(info))
        tar.add(source, arcname=path_in_image.strip("/"), recursive=False, filter=root_owned)


def gzip_layer(tar_path, cache):
    """(gz path, diff_id, digest, size) of a layer; reuses FILE.gz when its recorded diff_id still matches."""
    diff_id = sha256_file(tar_path)
    gz_path = tar_path + ".gz"
    meta_path = gz_path + ".sha256"
    if cache and os.path.exists(meta_path) and os.path.exists(gz_path):
        with open(meta_path) as handle:
            recorded = handle.read().split()
        if len(recorded) == 2 and recorded[0] == diff_id:
            return gz_path, diff_id, recorded[1], os.path.getsize(gz_path)
    with open(tar_path, "rb") as src, open(gz_path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0, filename="") as out:
            shutil.copyfileobj(src, out, CHUNK)
    digest = sha256_file(gz_path)
    with open(meta_path, "w") as handle:
        handle.write(f"{diff_id} {digest}\n")
    return gz_path, diff_id, digest, os.path.getsize(gz_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True, help="full image reference, e.g. docker.io/library/bazar:dev")
    parser.add_argument("--out", required=True, help="the archive to write (a tar)")
    parser.add_argument("--layer", action="append", default=[], dest="layers", type=lambda v: ("tar", v))
    parser.add_argument("--layer-dir", action="append", default=[], dest="layers", type=lambda v: ("dir", v))
    parser.add_argument("--layer-file", action="append", default=[], dest="layers", type=lambda v: ("file", v))
    parser.add_argument("--work", help="where generated layers are kept between runs (default: a temp dir)")
    parser.add_argument("--user", default="")
    parser.add_argument("--workdir", default="")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--entrypoint", type=json.loads)
    parser.add_argument("--cmd", type=json.loads)
    parser.add_argument("--expose", action="append", default=[])
    parser.add_argument("--stop-signal", help="the signal that stops the container (containerd honours it)")
    parser.add_argument("--label", action="append", default=[])
    args = parser.parse_args()
    if not args.layers:
        parser.error("give at least one layer")

    work = args.work or tempfile.mkdtemp(prefix="oci-")
    os.makedirs(work, exist_ok=True)
    layers = []
    for index, (kind, value) in enumerate(args.layers):
        if kind == "tar":
            tar_path, cache = value, True
        else:
            where, source = value.split("=", 1)
            tar_path, cache = os.path.join(work, f"layer-{index}.tar"), True
            (tar_of_dir if kind == "dir" else tar_of_file)(where, source, tar_path)
        layers.append(gzip_layer(tar_path, cache))

    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": args.env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer[1] for layer in layers]},
        "history": [{"created_by": f"k8s/images/oci-archive.py layer {i}"} for i in range(len(layers))],
    }
    for key, value in (("User", args.user), ("WorkingDir", args.workdir)):
        if value:
            config["config"][key] = value
    if args.entrypoint is not None:
        config["config"]["Entrypoint"] = args.entrypoint
    if args.cmd is not None:
        config["config"]["Cmd"] = args.cmd
    if args.stop_signal:
        config["config"]["StopSignal"] = args.stop_signal
    if args.expose:
        config["config"]["ExposedPorts"] = {port: {} for port in args.expose}
    if args.label:
        config["config"]["Labels"] = dict(label.split("=", 1) for label in args.label)

    blobs = {}  # digest -> (path or bytes)

    def add_bytes(data):
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return digest, len(data)

    config_digest, config_size = add_bytes(json.dumps(config, sort_keys=True, separators=(",", ":")).encode())
    for gz_path, _, digest, _ in layers:
        blobs[digest] = gz_path
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": CONFIG_TYPE, "digest": "sha256:" + config_digest, "size": config_size},
        "layers": [{"mediaType": LAYER_TYPE, "digest": "sha256:" + d, "size": s} for _, _, d, s in layers],
    }
    manifest_digest, manifest_size = add_bytes(json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": INDEX_TYPE,
        "manifests": [{
            "mediaType": MANIFEST_TYPE,
            "digest": "sha256:" + manifest_digest,
            "size": manifest_size,
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"org.opencontainers.image.ref.name": args.name, "io.containerd.image.name": args.name},
        }],
    }

    def add_member(tar, name, data=None, path=None):
        if path is not None:
            info = root_owned(tar.gettarinfo(path, arcname=name))
            info.mode = 0o644
            with open(path, "rb") as handle:
                tar.addfile(info, handle)
            return
        info = root_owned(tarfile.TarInfo(name))
        info.size, info.mode = len(data), 0o644
        tar.addfile(info, io.BytesIO(data))

    partial = args.out + ".partial"
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
        add_member(tar, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add_member(tar, "index.json", json.dumps(index, sort_keys=True).encode())
        for digest, blob in sorted(blobs.items()):
            if isinstance(blob, bytes):
                add_member(tar, f"blobs/sha256/{digest}", data=blob)
            else:
                add_member(tar, f"blobs/sha256/{digest}", path=blob)
    os.replace(partial, args.out)
    if not args.work:
        shutil.rmtree(work)
    print(f"{args.out}: {args.name} sha256:{manifest_digest} ({len(layers)} layers)")


if __name__ == "__main__":
    main()
