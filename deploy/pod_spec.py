"""Make ``runc spec``'s config.json into the pod of deploy/kubernetes/batch-job.yaml, with these args.

    python3 pod_spec.py BUNDLE UID_BASE IMAGE_CONFIG ARG...

IMAGE_CONFIG: the image's configuration (``podman image inspect --format '{{json .Config}}'``), whose
entrypoint, environment, user and working folder the container gets, as a pod's does; ARGs follow the
entrypoint, as the manifest's ``args``. What the manifest asks of the pod, in runc's terms: a user
namespace of its own (``hostUsers: false``: the container's uids 0..65535 are the node's UID_BASE..),
the image's user (10001, the manifest's ``runAsUser``), no capability,
no_new_privs, a read-only root, no seccomp filter and no AppArmor profile (``Unconfined``), /proc
neither masked nor read-only (``procMount: Unmasked``), /class read-only, /out and an empty /tmp.
"""

import json
import sys

bundle, uid_base, args = sys.argv[1], int(sys.argv[2]), sys.argv[4:]
with open(sys.argv[3]) as file:
    image = json.load(file)
path = f"{bundle}/config.json"
with open(path) as file:
    config = json.load(file)
config["hostname"] = "grader"
config["root"]["readonly"] = True
process = config["process"]
process |= {
    "args": [*image["Entrypoint"], *args],
    "terminal": False,
    "user": {"uid": int(image["User"]), "gid": int(image["User"])},
    "cwd": image["WorkingDir"],
    "env": [*image["Env"], "HOME=/home/grader"],
    "capabilities": {kind: [] for kind in ("bounding", "effective", "inheritable", "permitted", "ambient")},
    "noNewPrivileges": True,
}
config["mounts"] = [mount for mount in config["mounts"] if mount["destination"] != "/sys/fs/cgroup"] + [
    {"destination": "/class", "type": "bind", "source": f"{bundle}/class", "options": ["rbind", "ro"]},
    {"destination": "/out", "type": "bind", "source": f"{bundle}/out", "options": ["rbind", "rw"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=2g"]},
]
linux = config["linux"]
linux.pop("resources", None)  # no cgroup of the container's own: this machine's runc cannot make one
linux["namespaces"] = [{"type": kind} for kind in ("pid", "network", "ipc", "uts", "mount", "user")]
linux["uidMappings"] = linux["gidMappings"] = [{"containerID": 0, "hostID": uid_base, "size": 65536}]
linux["maskedPaths"], linux["readonlyPaths"] = [], []
with open(path, "w") as file:
    json.dump(config, file, indent=1)
