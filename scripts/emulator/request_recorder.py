"""
What every AWS API request to the emulator asked for: the harness's record of the calls a stack makes, from which
scripts/lib/permissions/ derives the IAM actions and resources that permissions/<app>/<stack>.json commits.

Loaded by scripts/emulator/moto_launcher.py when WHCSITES_EMULATOR_RECORD names a file. One JSON line per request, in
the order moto ran them:
  {"key": <access key id>, "account": <moto's account>, "region": ..., "service": <botocore service name>, "operation": <API operation>,
   "status": <HTTP status>, "agent": "terraform" | "aws-sdk-js" | ..., "params": {...}, "tags": {<id or ARN>: {...}},
   "related": {...}}
- key: the access key the caller signed with. The harness gives each Terraform run (one stack, one phase) its own key
  and keeps the mapping; moto runs every key in its default account, so the key changes nothing else.
- service and operation: botocore's service model resolves the request as the SDKs built it (X-Amz-Target for JSON
  protocols, Action and Version for query protocols, method and URI template for REST protocols).
- params: the request's input as sent: the JSON body, the query protocol's flat `A.1.B` keys, or a REST request's URI
  labels and query parameters (and its JSON or XML body, parsed loosely).
- tags: the tags, at the time of the request, of the EC2, ELB, KMS, ACM and AWS Backup resources the request names (the deploy
  role is confined to those by tag); {} for a resource that has none.
- keys: the description of each KMS key the request names (tells the stack's keys apart: their ids are generated).
- related: what authorization depends on beyond the request itself: the route table and subnet, or the address and
  network interface, of an EC2 association id; the roles of the task definition that RunTask
  starts (ECS checks iam:PassRole for them), the permissions boundary a named IAM role has (iam:PermissionsBoundary),
  the KMS key of a named secret (Secrets Manager uses it with the caller's permissions).
Nothing here changes a request or its answer.
"""

import io
import json
import re
import threading
import urllib.parse
import xml.etree.ElementTree as ElementTree

import botocore.session

AUTHORIZATION = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")
# Signing names that are not also the botocore service name (the rest are found by a scan of every model).
SIGNING_ALIASES = {"monitoring": ["cloudwatch"], "elasticloadbalancing": ["elbv2", "elb"]}
EC2_ID = re.compile(r"^(vpc|subnet|sg|rtb|igw|nat|eipalloc|eip|acl|vpce|fl|eni|eigw|dopt|sgr|pl)-[0-9a-f]{8,17}$")
KMS_KEY_ID = re.compile(r"^(arn:aws[a-z-]*:kms:[^:]+:[0-9]+:key/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NAMESPACE_ID = re.compile(r"^ns-[a-z0-9]{16,32}$")
MAX_PARSED_BODY = 256 * 1024


class ServiceIndex:
    """Botocore's service models, looked up by what a request carries; models load on first use."""

    def __init__(self):
        self.session = botocore.session.get_session()
        self.models = {}
        self.scanned = False
        self.lock = threading.Lock()

    def model(self, name):
        if name not in self.models:
            try:
                self.models[name] = self.session.get_service_model(name)
            except Exception:
                self.models[name] = None
        return self.models[name]

    def _scan(self):
        if not self.scanned:
            for name in self.session.get_available_services():
                self.model(name)
            self.scanned = True

    def candidates(self, signing_name):
        with self.lock:
            names = [signing_name, *SIGNING_ALIASES.get(signing_name, [])]
            found = [m for m in (self.model(n) for n in names) if m is not None and m.signing_name == signing_name]
            if found:
                return found
            self._scan()
            return [m for m in self.models.values() if m is not None and m.signing_name == signing_name]

    def by_target(self, prefix, signing_name):
        for model in self.candidates(signing_name):
            if model.metadata.get("targetPrefix") == prefix:
                return model
        return None


def _flat_query(text):
    return {k: v[0] if len(v) == 1 else v for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}


def _xml_to_dict(element):
    children = list(element)
    if not children:
        return element.text or ""
    out = {}
    for child in children:
        tag = child.tag.split("}", 1)[-1]
        value = _xml_to_dict(child)
        if tag in out:
            out[tag] = out[tag] if isinstance(out[tag], list) else [out[tag]]
            out[tag].append(value)
        else:
            out[tag] = value
    return out


def _template_regex(template):
    """A REST request URI template (`/{Bucket}/{Key+}?tagging`) as a path regex and the query keys it requires."""
    path, _, query = template.partition("?")
    # Clients differ on a trailing slash (Terraform's route53 sends .../rrset for .../rrset/): match either.
    path = path.rstrip("/") or "/"
    pattern = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            greedy = name.endswith("+")
            name = name.rstrip("+")
            pattern += f"(?P<{re.sub(r'[^A-Za-z0-9_]', '_', name)}>{'.+' if greedy else '[^/]+'})"
        else:
            pattern += re.escape(part)
    required = [q.split("=", 1)[0] for q in query.split("&") if q]
    literal = len(re.sub(r"\{[^}]+\}", "", path))
    return re.compile(f"^{pattern}/?$" if path != "/" else "^/$"), required, literal


class Resolver:
    """Turns a WSGI request into (service, operation, params)."""

    def __init__(self):
        self.index = ServiceIndex()
        self.rest_routes = {}

    def _routes(self, model):
        if model.service_name not in self.rest_routes:
            routes = []
            for name in model.operation_names:
                http = model.operation_model(name).http
                regex, required, literal = _template_regex(http.get("requestUri", "/"))
                routes.append((http.get("method", "POST"), regex, required, literal, name))
            self.rest_routes[model.service_name] = routes
        return self.rest_routes[model.service_name]

    def resolve(self, environ, body, signing_name):
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        target = headers.get("x-amz-target")
        if target:
            prefix, _, operation = target.rpartition(".")
            model = self.index.by_target(prefix, signing_name)
            params = {}
            if body and len(body) <= MAX_PARSED_BODY:
                try:
                    params = json.loads(body)
                except ValueError:
                    params = {}
            return (model.service_name if model else signing_name), operation, params if isinstance(params, dict) else {}
        cbor = CBOR_PATH.match(path)
        if cbor:
            model = self.index.by_target(cbor.group(1), signing_name)
            # The Smithy RPC v2 CBOR body is not decoded (no CBOR parser in the image): the operation is known, its input not.
            return (model.service_name if model else signing_name), cbor.group(2), {}
        form = {}
        content_type = headers.get("content-type", environ.get("CONTENT_TYPE", ""))
        if "x-www-form-urlencoded" in content_type and body:
            form = _flat_query(body.decode("utf-8", "replace"))
        params = {**_flat_query(query), **form}
        action = params.pop("Action", None)
        if action:
            version = params.pop("Version", None)
            models = self.index.candidates(signing_name)
            chosen = next((m for m in models if m.api_version == version), models[0] if models else None)
            return (chosen.service_name if chosen else signing_name), action, params
        for model in self.index.candidates(signing_name):
            if model.protocol not in ("rest-xml", "rest-json"):
                continue
            best = None
            # A label holding an ARN with "/" (Scheduler's /tags/{ResourceArn}) is sent URL-encoded; the server's
            # PATH_INFO has it decoded, so the undecoded path is matched first, then the decoded one.
            raw = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").split("?", 1)[0]
            paths = [p for p in (raw, urllib.parse.unquote(path)) if p]
            for method, regex, required, literal, name in self._routes(model):
                if method != environ.get("REQUEST_METHOD"):
                    continue
                match = next((m for m in (regex.match(p) for p in paths) if m is not None), None)
                if match is None or any(q not in params for q in required):
                    continue
                score = (len(required), literal)
                if best is None or score > best[0]:
                    best = (score, name, {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()})
            if best is not None:
                rest = {**params, **best[2]}
                if body and len(body) <= MAX_PARSED_BODY:
                    try:
                        parsed = json.loads(body) if model.protocol == "rest-json" else _xml_to_dict(ElementTree.fromstring(body))
                        if isinstance(parsed, dict):
                            rest = {**parsed, **rest}
                    except (ValueError, ElementTree.ParseError):
                        pass
                return model.service_name, best[1], rest
        return signing_name, f"{environ.get('REQUEST_METHOD')} {path}", params


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


class Tags:
    """The tags moto holds, right now, for the resources a request names."""

    def __init__(self, account_id, region, keys_named=()):
        self.account_id = account_id
        self.region = region
        # Key ids that a request names through another service (a secret's KMS key): looked up as keys too.
        self.keys_named = set(keys_named)

    def lookup(self, values, service):
        found = {}
        for value in set(v for v in values if isinstance(v, str)):
            try:
                tags = self._one(value, service)
            except Exception:  # a resource moto does not know (yet): no tags to report
                tags = None
            if tags is not None:
                found[value] = tags
        return found

    def _one(self, value, service):
        if EC2_ID.match(value):
            from moto.ec2.models import ec2_backends

            return dict(ec2_backends[self.account_id][self.region].tags.get(value, {}))
        if value.startswith("arn:") and ":elasticloadbalancing:" in value:
            from moto.elbv2.models import elbv2_backends

            return dict(elbv2_backends[self.account_id][self.region].tagging_service.get_tag_dict_for_resource(value))
        if KMS_KEY_ID.match(value) and (service == "kms" or value.startswith("arn:") or value in self.keys_named):
            from moto.kms.models import kms_backends

            listed = kms_backends[self.account_id][self.region].list_resource_tags(value).get("Tags", [])
            return {t["TagKey"]: t["TagValue"] for t in listed}
        if service == "backup":
            from moto.backup.models import backup_backends

            backend = backup_backends[self.account_id][self.region]
            if value.startswith("arn:") and ":backup:" in value:
                return dict(backend.list_tags(value))
            if value in backend.plans:  # a plan named by its id
                return dict(backend.list_tags(backend.plans[value].backup_plan_arn))
            return None
        if value.startswith("arn:") and ":acm:" in value:
            from moto.acm.models import acm_backends

            return dict(acm_backends[self.account_id][self.region].get_certificate(value).tags)
        if service == "servicediscovery" and (NAMESPACE_ID.match(value) or (value.startswith("arn:") and ":namespace/" in value)):
            # A Cloud Map namespace is named by a generated id: the deploy role manages it by its tags.
            from moto.servicediscovery.models import servicediscovery_backends

            arn = value if value.startswith("arn:") else f"arn:aws:servicediscovery:{self.region}:{self.account_id}:namespace/{value}"
            listed = servicediscovery_backends[self.account_id][self.region].list_tags_for_resource(arn).get("Tags", [])
            return {t["Key"]: t["Value"] for t in listed}
        return None


def _key_descriptions(values, account_id, region):
    """The description of each KMS key a request names (by id, ARN or alias): which of the stack's keys it is."""
    from moto.kms.models import kms_backends

    backend = kms_backends[account_id][region]
    found = {}
    for value in set(v for v in values if isinstance(v, str)):
        if not (KMS_KEY_ID.match(value) or value.startswith("alias/") or ":alias/" in value):
            continue
        try:
            key = backend.describe_key(value)
        except Exception:
            continue
        found[value] = key.description or ""
    return found


def _agent(user_agent):
    if "terraform-provider-aws" in user_agent or "HashiCorp" in user_agent:
        return "terraform"
    if "aws-sdk-js" in user_agent:
        return "aws-sdk-js"
    return user_agent.split("/", 1)[0] or "unknown"


def _association(params, account_id, region):
    """What an EC2 association id stands for: EC2 authorizes the route table and subnet, the address and interface."""
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][region]
    association = params.get("AssociationId")
    if not isinstance(association, str):
        return {}
    if association.startswith("rtbassoc-"):
        for table in backend.route_tables.values():
            # moto 5.2.1 keeps a table's associations in _associations (association id -> subnet id).
            associations = getattr(table, "_associations", {})
            subnet = associations.get(association) if isinstance(associations, dict) else None
            if subnet is not None:
                return {"routeTableId": table.id, **({"subnetId": subnet} if isinstance(subnet, str) and subnet.startswith("subnet-") else {})}
    if association.startswith("eipassoc-"):
        for address in backend.addresses:
            if getattr(address, "association_id", None) == association:
                eni = getattr(address, "eni", None)
                return {"allocationId": address.allocation_id, **({"networkInterfaceId": eni.id} if eni is not None else {})}
    return {}


def _related(service, operation, params, account_id, region):
    if service == "ec2" and "AssociationId" in params:
        try:
            return _association(params, account_id, region)
        except Exception:
            return {}
    if service == "iam" and isinstance(params.get("RoleName"), str):
        # Conditions on iam:PermissionsBoundary see the boundary the role has when the request names no new one.
        from moto.iam.models import iam_backends

        try:
            role = iam_backends[account_id]["global"].get_role(params["RoleName"])
        except Exception:
            return {}
        boundary = getattr(role, "permissions_boundary_arn", None) or getattr(role, "permissions_boundary", None)
        return {"roleBoundary": boundary} if isinstance(boundary, str) and boundary else {}
    if service == "secretsmanager" and isinstance(params.get("SecretId"), str):
        # Secrets Manager uses the secret's KMS key with the caller's permissions (kms:ViaService).
        from moto.secretsmanager.models import secretsmanager_backends

        try:
            secret = secretsmanager_backends[account_id][region].secrets[params["SecretId"]]
        except Exception:
            return {}
        key = getattr(secret, "kms_key_id", None)
        if not (isinstance(key, str) and key):
            return {}
        from moto.kms.models import kms_backends

        try:
            # By its ARN, whichever way the secret names it (an alias, an id): the key's tags and description are found by it.
            return {"kmsKeyId": kms_backends[account_id][region].describe_key(key).arn}
        except Exception:
            return {"kmsKeyId": key}
    if service == "application-autoscaling" and isinstance(params.get("ResourceId"), str):
        # Scalable targets are authorized by their generated ARN, which the request does not carry.
        from moto.applicationautoscaling.models import applicationautoscaling_backends

        backend = applicationautoscaling_backends[account_id][region]
        for by_id in backend.targets.values():
            target = by_id.get(params["ResourceId"])
            if target is not None and target.scalable_dimension == params.get("ScalableDimension", target.scalable_dimension):
                return {"scalableTargetArn": target.arn}
        return {}
    if service == "kms" and isinstance(params.get("KeyId"), str) and params["KeyId"].startswith("alias/"):
        # A key named by its alias is authorized as the key.
        from moto.kms.models import kms_backends

        try:
            return {"aliasKeyId": kms_backends[account_id][region].get_key_id_from_alias(params["KeyId"])}
        except Exception:
            return {}
    if service == "ecs" and operation == "RunTask":
        from moto.ecs.models import ecs_backends

        try:
            definition = ecs_backends[account_id][region].describe_task_definition(params.get("taskDefinition", ""))
        except Exception:
            return {}
        roles = {"taskRoleArn": getattr(definition, "task_role_arn", None), "executionRoleArn": getattr(definition, "execution_role_arn", None)}
        return {k: v for k, v in roles.items() if v}
    return {}


class RequestRecorder:
    """WSGI middleware in front of moto: one line per AWS API request into `path` (see the module's docstring)."""

    def __init__(self, app, path, account_id):
        self.app = app
        self.account_id = account_id
        self.resolver = Resolver()
        self.file = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()
        self.requests = 0
        self.unresolved = 0

    def stats(self):
        with self.lock:
            return {"recorded": self.requests, "unresolved": self.unresolved}

    def __call__(self, environ, start_response):
        auth = AUTHORIZATION.search(environ.get("HTTP_AUTHORIZATION", ""))
        if auth is None:
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH")
        body = environ["wsgi.input"].read(int(length)) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        key, region, signing_name = auth.groups()
        event = {"key": key, "account": self.account_id, "region": region, "signing": signing_name}
        try:
            service, operation, params = self.resolver.resolve(environ, body, signing_name)
            event.update(service=service, operation=operation, params=params)
            event["related"] = _related(service, operation, params, self.account_id, region)
            related = [v for v in event["related"].values() if isinstance(v, str)]
            event["tags"] = Tags(self.account_id, region, related).lookup([*_strings(params), *related], service)
            event["keys"] = _key_descriptions([*_strings(params), *event["related"].values()], self.account_id, region)
        except Exception as error:  # recorded as unresolved; the request still runs
            event.update(service=signing_name, operation=None, error=f"{type(error).__name__}: {error}")
        event["agent"] = _agent(environ.get("HTTP_USER_AGENT", ""))
        status = {}

        def capture(code, headers, exc_info=None):
            status["code"] = code
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        result = self.app(environ, capture)
        event["status"] = int(str(status.get("code", "0")).split(" ", 1)[0] or 0)
        line = json.dumps(event, sort_keys=True, default=str)
        with self.lock:
            self.requests += 1
            if event.get("operation") is None or " " in str(event.get("operation")):
                self.unresolved += 1
            self.file.write(line + "\n")
            self.file.flush()
        return result
