#!/bin/sh
# Build the grader's image from deploy/Containerfile with Debian's tools, then grade a class in it as a
# pod of deploy/kubernetes/batch-job.yaml would: two shards and their merge, each in a container run by
# runc in a user namespace of its own (the pod's hostUsers: false), as the image's non-root user, with
# no capability, no_new_privs, a read-only root, and /proc unmasked (procMount: Unmasked).
#
#   sh deploy/try-image.sh CLASS WORK       (as root; CLASS: a folder of submissions, WORK: a new folder)
#
# Needs: mmdebstrap, podman (buildah), runc, from Debian. The base is Debian 12 made from Debian's own
# mirror (no Docker Hub needed). A second run reuses the image.
set -eu
CLASS=$(realpath "$1"); WORK=$(realpath -m "$2")
HERE=$(dirname "$(realpath "$0")"); ROOT=$(dirname "$HERE")
BASE=localhost/debian:12-minbase IMAGE=localhost/autograder:try
UIDS=200000  # the pod's uids on the node: container uid 0..65535 is node uid 200000..265535

mkdir -p "$WORK"
if ! podman image exists "$IMAGE"; then
  podman image exists "$BASE" || {
    mmdebstrap --quiet --variant=minbase bookworm "$WORK/base.tar"
    podman import --quiet "$WORK/base.tar" "$BASE" >/dev/null
    rm "$WORK/base.tar"
  }
  # pip in the build trusts what this machine trusts (a TLS-inspecting proxy's CA, say): its CA bundle
  # is lent to the build's steps, and stays out of the image.
  printf '[global]\ncert = /run/host-ca.crt\n' > "$WORK/pip.conf"
  podman build --quiet --isolation chroot --build-arg "BASE=$BASE" -f "$HERE/Containerfile" -t "$IMAGE" \
    -v "$(python3 -c 'import ssl; p = ssl.get_default_verify_paths(); print(p.cafile or p.openssl_cafile)'):/run/host-ca.crt:ro" \
    -v "$WORK/pip.conf:/etc/pip.conf:ro" "$ROOT"
fi

bundle="$WORK/bundle"
rm -rf "$bundle" && mkdir -p "$bundle/rootfs" "$bundle/class" "$bundle/out"
podman image inspect --format '{{json .Config}}' "$IMAGE" > "$WORK/image-config.json"
container=$(podman create --quiet "$IMAGE")
podman export "$container" | tar -x -C "$bundle/rootfs"
podman rm --force "$container" >/dev/null
cp -r "$CLASS/." "$bundle/class/"
# The image's owners as the pod's user namespace maps them (its root is node uid $UIDS); /out is the
# grader's, as the manifest's fsGroup makes it.
python3 -c 'import os, sys
base = int(sys.argv[2])
for folder, names, files in os.walk(sys.argv[1]):
    for path in [folder, *(os.path.join(folder, name) for name in names + files)]:
        info = os.lstat(path)
        os.lchown(path, info.st_uid + base, info.st_gid + base)' "$bundle/rootfs" "$UIDS"
chown -R "$((UIDS + 10001)):$((UIDS + 10001))" "$bundle/out"

run() {  # a fresh container of the image, with these args after its entrypoint (autograder)
  (cd "$bundle" && rm -f config.json && runc spec)
  python3 "$HERE/pod_spec.py" "$bundle" "$UIDS" "$WORK/image-config.json" "$@"
  runc run --bundle "$bundle" "autograder-try-$$"
}
run batch /class --out /out/shard-1 --shard 1/2 --require-isolation
run batch /class --out /out/shard-2 --shard 2/2 --require-isolation
run merge /out/class /out/shard-1 /out/shard-2
echo "the merged gradebook: $bundle/out/class/gradebook.csv"
