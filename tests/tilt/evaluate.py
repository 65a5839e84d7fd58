"""Evaluates the Tiltfile (Starlark, whose syntax Python reads) with Tilt's built-ins replaced by
recorders, and prints what it asked Tilt for as JSON: its image builds, Kubernetes objects,
resources, Helm releases and buttons. The inputs are real: helm() runs the project's helm template,
read_file/read_yaml read the files, YAML is parsed by the project's `yaml` package (through node).
tests/tiltfile.test.ts checks those inputs; Tilt itself is not built here (see README).

    python3 tests/tilt/evaluate.py <repo root> <tilt subcommand: up|ci>   (env TEMPORAL_MODE)
"""
import json
import os
import subprocess
import sys
import types

root, subcommand = sys.argv[1], sys.argv[2]
os.chdir(root)
record = {
    "version_settings": [], "allow_k8s_contexts": [], "docker_builds": [], "objects": [],
    "k8s_resources": [], "local_resources": [], "custom_deploys": [], "local": [],
}


class Blob(str):
    """Tilt's Blob: YAML text."""


def parse_yaml_stream(text):
    script = (
        "import {parseAllDocuments} from 'yaml'; let t = ''; process.stdin.on('data', d => t += d);"
        "process.stdin.on('end', () => console.log(JSON.stringify("
        "parseAllDocuments(t, {version: '1.1'}).map(d => d.toJS()).filter(o => o !== null))));"
    )
    out = subprocess.run(["node", "--input-type=module", "-e", script], input=text, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def fail(message):
    raise SystemExit("Tiltfile failed: " + message)


def helm(path, name="", namespace="", values=[], set=[]):
    args = [os.path.join(root, ".tools/bin/helm"), "template", name, path, "--namespace", namespace]
    for v in values:
        args += ["--values", v]
    for s in set:
        args += ["--set", s]
    return Blob(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def k8s_yaml(yaml):
    text = yaml if isinstance(yaml, Blob) else open(yaml).read()
    record["objects"] += parse_yaml_stream(text)


def k8s_resource(workload="", new_name="", port_forwards=[], resource_deps=[], objects=[], labels=[], links=[], **rest):
    record["k8s_resources"].append({
        "workload": workload, "new_name": new_name, "port_forwards": port_forwards, "resource_deps": resource_deps,
        "objects": objects, "labels": labels, "links": links,
    })


def local_resource(name, cmd="", resource_deps=[], labels=[], auto_init=True, trigger_mode="auto", **rest):
    record["local_resources"].append({
        "name": name, "cmd": cmd, "resource_deps": resource_deps, "labels": labels, "auto_init": auto_init,
        "trigger_mode": trigger_mode,
    })


def k8s_custom_deploy(name, apply_cmd, delete_cmd, deps=[], **rest):
    record["custom_deploys"].append({"name": name, "apply_cmd": apply_cmd, "delete_cmd": delete_cmd, "deps": deps})


def docker_build(ref, context=".", build_args={}, dockerfile="Dockerfile", live_update=[], only=[], target="", **rest):
    record["docker_builds"].append({
        "ref": ref, "context": context, "build_args": build_args, "dockerfile": dockerfile,
        "live_update": live_update, "only": only, "target": target,
    })


builtins = {
    "version_settings": lambda constraint="", **rest: record["version_settings"].append(constraint),
    "allow_k8s_contexts": lambda contexts: record["allow_k8s_contexts"].append(contexts),
    "config": types.SimpleNamespace(tilt_subcommand=subcommand),
    "os": os,
    "fail": fail,
    "blob": Blob,
    "read_file": lambda path: Blob(open(path).read()),
    "read_yaml": lambda path: parse_yaml_stream(open(path).read())[0],
    "decode_yaml_stream": parse_yaml_stream,
    "encode_yaml_stream": lambda objects: Blob("".join("---\n" + json.dumps(o) + "\n" for o in objects)),
    "helm": helm,
    "k8s_yaml": k8s_yaml,
    "k8s_resource": k8s_resource,
    "k8s_custom_deploy": k8s_custom_deploy,
    "local_resource": local_resource,
    "docker_build": docker_build,
    "sync": lambda local, remote: {"sync": [local, remote]},
    "fall_back_on": lambda files: {"fall_back_on": files if isinstance(files, list) else [files]},
    "run": lambda cmd, trigger=[]: {"run": cmd, "trigger": trigger},
    "port_forward": lambda local, container=None, name=None, link_path=None, **rest: {
        "local": local, "container": container or local, "name": name, "link_path": link_path},
    "link": lambda url, name="": {"url": url, "name": name},
    # A command the Tiltfile runs while it loads: recorded, not run (it would talk to the cluster).
    "local": lambda command, quiet=False, **rest: record["local"].append(command) or Blob(""),
    "TRIGGER_MODE_AUTO": "auto",
    "TRIGGER_MODE_MANUAL": "manual",
}
exec(compile(open("Tiltfile").read(), "Tiltfile", "exec"), dict(builtins))
print(json.dumps(record))
