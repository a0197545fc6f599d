"""
The AWS API emulator of `npm run test:apply`: moto, in this process, with the gaps that the stacks hit filled in.

Started by scripts/lib/emulator/moto.ts, never by hand (but `python3 scripts/emulator/moto_launcher.py` works for a look).
It listens on 127.0.0.1 only, on a free port the OS picks, and prints one JSON line when it is ready:
  {"ready": true, "port": <port>, "pid": <pid>, "moto": "<version>", "patches": [...]}
It exits when its standard input closes (the harness died, even by SIGKILL), on SIGTERM or SIGINT.

What is patched, and why (every patch keeps AWS's documented behaviour; none changes what the stacks ask for):
  - Application Auto Scaling: ListTagsForResource, TagResource, UntagResource do not exist in moto 5.2.1 (HTTP 500);
    the AWS provider reads a scalable target's tags after creating it and retries the 500 until it times out.
  - S3: a lifecycle rule's NoncurrentVersionExpiration.NewerNoncurrentVersions is dropped on write, so the provider
    never reads back what it wrote and waits 3 minutes for the rule to "settle", then fails.
  - RDS: every DB instance gets the same DbiResourceId, and the provider reads an instance by that id, so two DB
    instances in one emulator (stacks applied in parallel) make both reads fail ("couldn't find resource").
  - ECS services: CreateService drops capacityProviderStrategy, availabilityZoneRebalancing, enableECSManagedTags,
    enableExecuteCommand and healthCheckGracePeriodSeconds; the provider then plans to replace every service, and a
    replaced service is deleted before the deploy gate runs (so a failed migration could not be seen to stop it).
  - ECS RunTask: a TypeError (HTTP 500 HTML page) when a container definition has no container-level memory or
    memoryReservation; Fargate only needs task-level memory.
  - ECS tasks: moto moves a task one state further towards STOPPED on every DescribeTasks (exit code 0), so a
    migration would "succeed" by itself. Here a task stays RUNNING until the harness says how it ends, through the
    control endpoint below.

How requests are taken (RequestGate below): one at a time, and an SDK retry of a request already answered 2xx gets
that answer again instead of running twice (docs/testing.md, "Requests one at a time, and lost answers").

Control endpoint (harness only; plain JSON over HTTP on the same port, outside any AWS API path):
  GET  /__whcsites/health                   moto version and the patches applied
  GET  /__whcsites/requests                 the request gate's counters: requests, longestWaitMs, retriesRun, replayed
  GET  /__whcsites/recording                what the request recorder wrote (scripts/emulator/request_recorder.py, on when
                                            WHCSITES_EMULATOR_RECORD names a file): {"recorded": n, "unresolved": n}
  POST /__whcsites/ecs/finish-tasks         {"startedBy": "...", "family": "...", "exitCode": 0, "minAgeSeconds": 1, "logLines": [...]}
       every RUNNING task with that startedBy marker (and task definition family, if given), in every account and
       region, that has run at least minAgeSeconds:
       STOPPED, its essential container exited with exitCode, logLines written to its awslogs stream. Returns the tasks.
  GET  /__whcsites/calls?after=<n>          the AWS requests since request n: {"calls": [{"seq", "service", "method",
       "path", "query", "target" (X-Amz-Target), "accessKeyId", "principal"}]}, where principal is the assumed role's ARN (moto's STS) for an access key
       that AssumeRole issued, else null. Shows which role each request ran as (the saved production plan's phase).
"""

import collections
import hashlib
import io
import json
import os
import random
import re
import signal
import string
import sys
import threading
import time
import types
import urllib.parse

# Read by moto's IAM backend when it is created: the stacks attach AWS managed policies.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

EXPECTED_MOTO = "5.2.1"
CONTROL_PREFIX = "/__whcsites/"


def fail(message):
    sys.stderr.write(f"moto_launcher: {message}\n")
    sys.exit(3)


try:
    import moto
    from moto.applicationautoscaling import models as aas_models
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.core.exceptions import JsonRESTError
    from moto.ecs import models as ecs_models
    from moto.ecs.responses import EC2ContainerServiceResponse as ECSResponse
    from moto.logs import models as logs_models
    from moto.moto_api import state_manager
    from moto.rds import models as rds_models
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from moto.s3 import models as s3_models
    from moto.s3.responses import S3Response
    from moto.sts import models as sts_models
    from werkzeug.serving import make_server
except ImportError as error:
    fail(f"moto (with its server extras) cannot be imported: {error}. Install moto[server]=={EXPECTED_MOTO}.")

PATCHES = []


def patch(name):
    """Records a patch by name; a missing attribute (another moto version) stops the launcher with a clear error."""

    def register(fn):
        try:
            fn()
        except AttributeError as error:
            fail(f"cannot apply patch '{name}' to moto {moto.__version__} (written for {EXPECTED_MOTO}): {error}")
        PATCHES.append(name)
        return fn

    return register


# --- Application Auto Scaling tagging -------------------------------------------------------------------------------


def _aas_tags(backend):
    if not hasattr(backend, "whcsites_tags"):
        backend.whcsites_tags = {}
    return backend.whcsites_tags


def _aas_target_arns(backend):
    return {t.arn for by_id in backend.targets.values() for t in by_id.values()}


class ResourceNotFound(JsonRESTError):
    def __init__(self, arn):
        super().__init__("ResourceNotFoundException", f"No scalable target found for ARN {arn}")


@patch("application-autoscaling: ListTagsForResource, TagResource, UntagResource; RegisterScalableTarget keeps Tags")
def _patch_aas():
    register = ApplicationAutoScalingResponse.register_scalable_target
    deregister = aas_models.ApplicationAutoscalingBackend.deregister_scalable_target

    def register_scalable_target(self):
        body = register(self)
        tags = self._get_param("Tags")
        if tags:
            _aas_tags(self.applicationautoscaling_backend).setdefault(json.loads(body)["ScalableTargetARN"], {}).update(tags)
        return body

    def deregister_scalable_target(self, namespace, r_id, dimension):
        target = self.targets.get(dimension, {}).get(r_id)
        deregister(self, namespace, r_id, dimension)
        if target is not None:
            _aas_tags(self).pop(target.arn, None)

    def known(self, arn):
        backend = self.applicationautoscaling_backend
        if arn not in _aas_target_arns(backend):
            raise ResourceNotFound(arn)
        return _aas_tags(backend).setdefault(arn, {})

    def list_tags_for_resource(self):
        return json.dumps({"Tags": dict(known(self, self._get_param("ResourceARN")))})

    def tag_resource(self):
        known(self, self._get_param("ResourceARN")).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self):
        tags = known(self, self._get_param("ResourceARN"))
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
        return json.dumps({})

    ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target
    ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource
    ApplicationAutoScalingResponse.tag_resource = tag_resource
    ApplicationAutoScalingResponse.untag_resource = untag_resource
    aas_models.ApplicationAutoscalingBackend.deregister_scalable_target = deregister_scalable_target


# --- S3 lifecycle: NewerNoncurrentVersions of NoncurrentVersionExpiration ------------------------------------------


@patch("s3: lifecycle rules keep NoncurrentVersionExpiration.NewerNoncurrentVersions")
def _patch_s3_lifecycle():
    set_lifecycle = s3_models.FakeBucket.set_lifecycle
    get_lifecycle = S3Response.get_bucket_lifecycle

    def patched_set_lifecycle(self, rules):
        set_lifecycle(self, rules)
        # moto builds one LifecycleRule per input rule, in order.
        for rule, given in zip(self.rules, rules):
            expiration = given.get("NoncurrentVersionExpiration") or {}
            rule.whcsites_newer_noncurrent_versions = expiration.get("NewerNoncurrentVersions")

    def patched_get_lifecycle(self):
        serialized = self.serialized

        def with_newer_versions(action_result):
            rules = self.backend.get_bucket_lifecycle(self.bucket_name)
            for out, rule in zip(action_result.result["Rules"], rules):
                newer = getattr(rule, "whcsites_newer_noncurrent_versions", None)
                if newer is not None and "NoncurrentVersionExpiration" in out:
                    out["NoncurrentVersionExpiration"]["NewerNoncurrentVersions"] = newer
            return serialized(action_result)

        self.serialized = with_newer_versions
        try:
            return get_lifecycle(self)
        finally:
            del self.serialized

    s3_models.FakeBucket.set_lifecycle = patched_set_lifecycle
    S3Response.get_bucket_lifecycle = patched_get_lifecycle


# --- RDS: a resource id per DB instance ------------------------------------------------------------------------------


@patch("rds: every DB instance gets its own DbiResourceId (moto gives all of them the same one)")
def _patch_rds_resource_id():
    init = rds_models.DBInstance.__init__

    def patched_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + "".join(random.choice(string.ascii_uppercase + string.digits) for _ in range(26))

    rds_models.DBInstance.__init__ = patched_init


# --- ECS: RunTask with task-level memory only; tasks that end only when the harness says so -------------------------


@patch("ecs: RunTask accepts containers without container-level memory (Fargate task-level memory)")
def _patch_ecs_memory():
    backend_cls = ecs_models.EC2ContainerServiceBackend
    calculate = backend_cls._calculate_task_resource_requirements

    def requirements(task_definition):
        containers = task_definition.container_definitions
        has_memory = lambda c: any(k in c for k in ("memory", "memoryReservation", "Memory", "MemoryReservation"))
        if all(has_memory(c) for c in containers):
            return calculate(task_definition)
        # Count the task-level memory once, as Fargate does, instead of adding None per container.
        view = types.SimpleNamespace(container_definitions=[c if has_memory(c) else {**c, "memory": 0} for c in containers])
        result = calculate(view)
        if result["MEMORY"] == 0:
            result["MEMORY"] = int(task_definition.memory or 0)
        return result

    backend_cls._calculate_task_resource_requirements = staticmethod(requirements)


# Service fields moto 5.2.1 drops on CreateService/UpdateService. Without them the provider plans to replace every
# service (capacity_provider_strategy forces a new resource), and a replaced service is deleted before the deploy gate
# runs, which would hide whether a failed migration stops the rollout.
SERVICE_FIELDS = {
    "capacityProviderStrategy": "capacity_provider_strategy",
    "availabilityZoneRebalancing": "availability_zone_rebalancing",
    "enableECSManagedTags": "enable_ecs_managed_tags",
    "enableExecuteCommand": "enable_execute_command",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
}


@patch("ecs: services keep capacityProviderStrategy, availabilityZoneRebalancing, enableECSManagedTags, enableExecuteCommand, healthCheckGracePeriodSeconds")
def _patch_ecs_service_fields():
    create = ECSResponse.create_service
    update = ECSResponse.update_service

    def keep_fields(self, result, creating):
        service = result.result["service"]
        for param, attribute in SERVICE_FIELDS.items():
            value = self._get_param(param)
            if value is not None:
                setattr(service, attribute, value)
            elif creating and param == "availabilityZoneRebalancing":
                service.availability_zone_rebalancing = "ENABLED"  # AWS's default on create
        if creating and self._get_param("capacityProviderStrategy"):
            service.launch_type = None  # AWS omits launchType for a service that uses capacity providers
        return result

    def create_service(self):
        return keep_fields(self, create(self), True)

    def update_service(self):
        return keep_fields(self, update(self), False)

    ECSResponse.create_service = create_service
    ECSResponse.update_service = update_service


@patch("ecs: tasks stay RUNNING until the harness finishes them (no progress on DescribeTasks)")
def _patch_ecs_progress():
    state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**12})
    run_task = ecs_models.EC2ContainerServiceBackend.run_task

    def patched_run_task(self, *args, **kwargs):
        tasks = run_task(self, *args, **kwargs)
        for task in tasks:
            task.whcsites_started_at = time.time()
        return tasks

    ecs_models.EC2ContainerServiceBackend.run_task = patched_run_task


def _awslogs_location(backend, task):
    definition = backend.describe_task_definition(task.task_definition_arn)
    for container in definition.container_definitions:
        config = container.get("logConfiguration") or {}
        options = config.get("options") or {}
        if config.get("logDriver") == "awslogs" and "awslogs-group" in options and "awslogs-stream-prefix" in options:
            return options["awslogs-group"], f"{options['awslogs-stream-prefix']}/{container['name']}/{task.id}", container["name"]
    return None


def finish_tasks(request):
    started_by = request.get("startedBy")
    family = request.get("family")
    exit_code = int(request.get("exitCode", 0))
    min_age = float(request.get("minAgeSeconds", 0))
    log_lines = [str(line) for line in request.get("logLines", [])]
    if not started_by:
        raise ValueError("startedBy is required")
    finished = []
    for account_id, by_region in list(ecs_models.ecs_backends.items()):
        for region, backend in list(by_region.items()):
            for cluster_tasks in list(backend.tasks.values()):
                for task in list(cluster_tasks.values()):
                    if task.started_by != started_by or task.desired_status != "RUNNING":
                        continue
                    # arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>
                    if family and task.task_definition_arn.split("/")[-1].rsplit(":", 1)[0] != family:
                        continue
                    if time.time() - getattr(task, "whcsites_started_at", 0) < min_age:
                        continue
                    written = 0
                    location = _awslogs_location(backend, task)
                    if location is not None and log_lines:
                        group, stream, _ = location
                        logs = logs_models.logs_backends[account_id][region]
                        if group in logs.groups:
                            logs.ensure_log_stream(group, stream)
                            now = int(time.time() * 1000)
                            logs.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in log_lines])
                            written = len(log_lines)
                    for container in task.containers:
                        container.last_status = "STOPPED"
                        container.exitCode = exit_code
                    task.last_status = "STOPPED"
                    task.desired_status = "STOPPED"
                    task.stop_code = "EssentialContainerExited"
                    task.stopped_reason = "Essential container in task exited"
                    finished.append({"taskArn": task.task_arn, "cluster": task.cluster_name, "region": region,
                                     "exitCode": exit_code, "logLinesWritten": written})
    return {"finished": finished}


# --- requests: one at a time; a retry of a request already answered gets that answer ----------------------------------


class RequestGate:
    """
    Every request to the emulator (AWS API and control endpoint) passes here.

    One at a time: moto's backends are plain dicts and lists without locks (RevokeSecurityGroupEgress rebuilds a
    group's rule list while AuthorizeSecurityGroupEgress appends to it; the control endpoint stops tasks that
    DescribeTasks is reading), and werkzeug's threaded server runs requests side by side, so Terraform's parallelism
    can interleave two requests inside one read-modify-write. AWS applies each call atomically; one lock gives the
    emulator that property. The interpreter lock already runs one request's Python at a time, so the cost is small
    (the summary shows the longest wait).

    A retry of an answered request is answered again, not run again: under load the AWS SDKs sometimes retry a request
    the emulator had already answered (seen: attempt 2 of an invocation arriving about 100 ms after attempt 1 was
    answered 200, the answer lost between the dev server and the client). Run twice, a write fails where AWS would
    have succeeded once: AuthorizeSecurityGroupEgress answers InvalidPermission.Duplicate, RevokeSecurityGroupEgress
    InvalidPermission.NotFound. So a retry (header amz-sdk-request: attempt=N, N > 1) of an invocation
    (amz-sdk-invocation-id) whose earlier attempt got a 2xx answer for the same request line and body gets that
    answer again, and is counted. Everything else runs in moto as sent, retries after a 4xx or 5xx included.
    """

    KEEP = 4096  # answered invocations remembered (retries come within seconds)

    def __init__(self):
        self.lock = threading.Lock()
        self.answered = collections.OrderedDict()
        self.requests = 0
        self.retries_run = 0
        self.replays = []
        self.longest_wait = 0.0
        self.started = time.time()

    def stats(self):
        with self.lock:
            return {
                "requests": self.requests,
                "retriesRun": self.retries_run,
                "replayed": list(self.replays),
                "longestWaitMs": round(self.longest_wait * 1000, 1),
            }

    @staticmethod
    def _body(environ):
        length = environ.get("CONTENT_LENGTH")
        stream = environ["wsgi.input"]
        body = stream.read(int(length)) if length else (stream.read() if environ.get("wsgi.input_terminated") else b"")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        return body

    @staticmethod
    def action(environ, body):
        """The API operation, for the report: X-Amz-Target, the query protocol's Action, or the REST method and path."""
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.rsplit(".", 1)[-1]
        for source in (environ.get("QUERY_STRING", ""), body.decode("utf-8", "replace") if len(body) < 65536 else ""):
            found = urllib.parse.parse_qs(source).get("Action")
            if found:
                return found[0]
        return f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO', '')[:60]}"

    def __call__(self, app, environ, start_response):
        body = self._body(environ)
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        attempt = re.match(r"attempt=(\d+)", environ.get("HTTP_AMZ_SDK_REQUEST", ""))
        attempt = int(attempt.group(1)) if attempt else 1
        fingerprint = hashlib.sha256(
            "\n".join([environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")]).encode() + b"\n" + body
        ).hexdigest()
        status_headers = {}

        def capture(status, headers, exc_info=None):
            status_headers["status"], status_headers["headers"] = status, headers
            return lambda data: None

        waiting = time.time()
        with self.lock:
            self.longest_wait = max(self.longest_wait, time.time() - waiting)
            self.requests += 1
            earlier = self.answered.get(invocation) if invocation and attempt > 1 else None
            if earlier is not None and earlier[0] == fingerprint:
                _, status, headers, data = earlier
                self.replays.append({"at": round(time.time() - self.started, 1), "action": self.action(environ, body), "attempt": attempt, "status": status.split(" ", 1)[0]})
            else:
                if attempt > 1:
                    self.retries_run += 1
                result = app(environ, capture)
                try:
                    data = b"".join(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()
                status, headers = status_headers["status"], status_headers["headers"]
                if invocation and status.startswith("2"):
                    self.answered[invocation] = (fingerprint, status, headers, data)
                    while len(self.answered) > self.KEEP:
                        self.answered.popitem(last=False)
        start_response(status, headers)
        return [data]

# --- call log --------------------------------------------------------------------------------------------------------

CALLS = []
CALLS_LOCK = threading.Lock()
CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/[0-9]+/[a-z0-9-]+/([a-z0-9-]+)/aws4_request")


def record_call(environ):
    match = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match is None:
        return
    with CALLS_LOCK:
        CALLS.append({"seq": len(CALLS) + 1, "service": match.group(2), "method": environ.get("REQUEST_METHOD"),
                      "path": environ.get("PATH_INFO", ""), "query": environ.get("QUERY_STRING", ""),
                      "target": environ.get("HTTP_X_AMZ_TARGET", ""), "accessKeyId": match.group(1)})


def principal_of(access_key_id):
    for by_region in list(sts_models.sts_backends.values()):
        for backend in list(by_region.values()):
            for role in list(backend.assumed_roles):
                if role.access_key_id == access_key_id:
                    return role.role_arn
    return None


def calls_after(after):
    with CALLS_LOCK:
        selected = [dict(call) for call in CALLS if call["seq"] > after]
    principals = {}
    for call in selected:
        key = call["accessKeyId"]
        if key not in principals:
            principals[key] = principal_of(key)
        call["principal"] = principals[key]
    return {"calls": selected}


# --- server ----------------------------------------------------------------------------------------------------------


def control_app(moto_app, gate, recorder=None):
    def control(environ, start_response):
        path = environ.get("PATH_INFO", "")
        status, body = "200 OK", None
        try:
            if path == CONTROL_PREFIX + "health":
                body = {"moto": moto.__version__, "patches": PATCHES}
            elif path == CONTROL_PREFIX + "recording":
                body = recorder.stats() if recorder is not None else {"recorded": 0, "unresolved": 0, "off": True}
            elif path == CONTROL_PREFIX + "calls":
                query = dict(part.split("=", 1) for part in environ.get("QUERY_STRING", "").split("&") if "=" in part)
                body = calls_after(int(query.get("after", "0")))
            elif path == CONTROL_PREFIX + "ecs/finish-tasks" and environ.get("REQUEST_METHOD") == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = finish_tasks(json.loads(environ["wsgi.input"].read(length) or b"{}"))
            else:
                status, body = "404 Not Found", {"error": f"unknown control path {path}"}
        except Exception as error:  # the harness shows the message; the server keeps running
            status, body = "400 Bad Request", {"error": f"{type(error).__name__}: {error}"}
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == CONTROL_PREFIX + "requests":
            # Outside the gate: it reads the gate's own counters under its lock.
            data = json.dumps(gate.stats()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        if not path.startswith(CONTROL_PREFIX):
            record_call(environ)
        return gate(control if path.startswith(CONTROL_PREFIX) else moto_app, environ, start_response)

    return app


def main():
    host = os.environ.get("WHCSITES_EMULATOR_HOST", "127.0.0.1")
    if host not in ("127.0.0.1", "::1", "localhost"):
        fail(f"refusing to listen on {host}: the emulator listens on loopback only")
    if moto.__version__ != EXPECTED_MOTO:
        sys.stderr.write(f"moto_launcher: WARNING: moto {moto.__version__}, patches written for {EXPECTED_MOTO}\n")
    moto_app = DomainDispatcherApplication(create_backend_app)
    recorder = None
    if os.environ.get("WHCSITES_EMULATOR_RECORD"):
        # Next to this file; imported only when recording, so a look by hand needs nothing more than moto.
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from moto.core import DEFAULT_ACCOUNT_ID
        from request_recorder import RequestRecorder

        recorder = moto_app = RequestRecorder(moto_app, os.environ["WHCSITES_EMULATOR_RECORD"], DEFAULT_ACCOUNT_ID)
    server = make_server(host, 0, control_app(moto_app, RequestGate(), recorder), threaded=True)
    stopping = threading.Event()

    def stop(*_):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch_stdin():
        # EOF on stdin: the harness is gone (crashed, killed); never outlive it.
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:
            pass
        stop()

    threading.Thread(target=watch_stdin, daemon=True).start()
    ready = {"ready": True, "port": server.server_port, "pid": os.getpid(), "moto": moto.__version__, "patches": PATCHES}
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
