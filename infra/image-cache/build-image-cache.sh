#!/usr/bin/env bash
# Builds an EBS snapshot of a Bottlerocket data volume that already holds the team's
# environment image, for cluster.gpuNodePool.imageCache: GPU nodes restored from it start
# without pulling the image. Run it after a new image is published (from a workstation or a
# CI job with AWS credentials and the AWS CLI), then put the printed block in the stack file.
#
# How (after AWS's aws-samples/bottlerocket-images-cache): launch a Bottlerocket instance
# with an encrypted data volume, stop its kubelet, pull the image into containerd's k8s.io
# namespace through the admin container (apiclient exec admin sheltie ctr ...) over SSM,
# stop the instance, snapshot /dev/xvdb, tag the snapshot with the image and its digest,
# and terminate the instance, whatever happened before.
#
# Needs: aws CLI v2, credentials allowed to run/stop/terminate instances, create snapshots
# and use SSM; an instance profile whose role has AmazonSSMManagedInstanceCore (and
# AmazonEC2ContainerRegistryReadOnly for ECR images); a subnet with a route to SSM and the
# registry (one of the cluster's private subnets).
set -euo pipefail

usage() {
    cat >&2 <<'EOF'
usage: build-image-cache.sh --region REGION --image REF@sha256:DIGEST --kubernetes-version X.Y
                            --subnet-id SUBNET --instance-profile NAME [options]
  --volume-size GIB        data volume size; at least the image's compressed plus unpacked size (default 60)
  --instance-type TYPE     builder instance (default m6i.large)
  --security-group-id SG   (default: the subnet VPC's default group)
  --timeout SECONDS        most time for the pull (default 1800)
Prints the stack-file block (cluster.gpuNodePool.imageCache) on stdout; progress on stderr.
Registry credentials for a private registry outside ECR: REGISTRY_CREDENTIALS=user:password.
EOF
}

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit "${2:-1}"; }

REGION="" IMAGE="" K8S_VERSION="" SUBNET_ID="" INSTANCE_PROFILE=""
VOLUME_SIZE=60 INSTANCE_TYPE=m6i.large SECURITY_GROUP_ID="" TIMEOUT=1800
while [[ $# -gt 0 ]]; do
    case "$1" in
        --region) REGION="$2"; shift 2 ;;
        --image) IMAGE="$2"; shift 2 ;;
        --kubernetes-version) K8S_VERSION="$2"; shift 2 ;;
        --subnet-id) SUBNET_ID="$2"; shift 2 ;;
        --instance-profile) INSTANCE_PROFILE="$2"; shift 2 ;;
        --volume-size) VOLUME_SIZE="$2"; shift 2 ;;
        --instance-type) INSTANCE_TYPE="$2"; shift 2 ;;
        --security-group-id) SECURITY_GROUP_ID="$2"; shift 2 ;;
        --timeout) TIMEOUT="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage; die "unknown option '$1'" 2 ;;
    esac
done

for pair in "region:$REGION" "image:$IMAGE" "kubernetes-version:$K8S_VERSION" "subnet-id:$SUBNET_ID" "instance-profile:$INSTANCE_PROFILE"; do
    [[ -n "${pair#*:}" ]] || { usage; die "--${pair%%:*} is required" 2; }
done
# The stack refuses a cache for another digest than it pins: the image must carry its digest.
[[ "$IMAGE" =~ @(sha256:[a-f0-9]{64})$ ]] || die "--image must be pinned by digest (REF@sha256:<64 hex>), as environment.image is; got '$IMAGE'" 2
DIGEST="${BASH_REMATCH[1]}"
[[ "$VOLUME_SIZE" =~ ^[0-9]+$ ]] || die "--volume-size must be a whole number of GiB; got '$VOLUME_SIZE'" 2
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout must be a whole number of seconds; got '$TIMEOUT'" 2
[[ "$K8S_VERSION" =~ ^1\.[0-9]+$ ]] || die "--kubernetes-version must be a minor version such as 1.35; got '$K8S_VERSION'" 2

export AWS_DEFAULT_REGION="$REGION" AWS_PAGER=""
INSTANCE_ID=""

cleanup() {
    if [[ -n "$INSTANCE_ID" ]]; then
        log "terminating builder instance $INSTANCE_ID"
        aws ec2 terminate-instances --instance-ids "$INSTANCE_ID" --output text >/dev/null || log "could not terminate $INSTANCE_ID: terminate it by hand"
    fi
}
trap cleanup EXIT

# A string as a JSON string literal (backslashes and double quotes escaped).
json_string() {
    local s="${1//\\/\\\\}"
    s="${s//\"/\\\"}"
    printf '"%s"' "$s"
}

# Runs a shell command on the instance through SSM and waits for it (bounded); fails with its output.
run_on_instance() {
    local comment="$1" command="$2" limit="$3" id status waited=0
    id=$(aws ssm send-command --instance-ids "$INSTANCE_ID" --document-name AWS-RunShellScript \
        --comment "$comment" --parameters "{\"commands\":[$(json_string "$command")]}" --query Command.CommandId --output text)
    while :; do
        status=$(aws ssm get-command-invocation --command-id "$id" --instance-id "$INSTANCE_ID" --query Status --output text 2>/dev/null || echo Pending)
        case "$status" in
            Success) return 0 ;;
            Failed | Cancelled | TimedOut)
                log "'$comment' ended $status:"
                aws ssm get-command-invocation --command-id "$id" --instance-id "$INSTANCE_ID" --query StandardErrorContent --output text >&2 || true
                return 1 ;;
        esac
        ((waited >= limit)) && { log "'$comment' did not finish within ${limit}s"; return 1; }
        sleep "${POLL_SECONDS:-5}"
        waited=$((waited + ${POLL_SECONDS:-5}))
    done
}

log "[1/7] Bottlerocket AMI for Kubernetes $K8S_VERSION"
AMI_ID=$(aws ssm get-parameter --name "/aws/service/bottlerocket/aws-k8s-$K8S_VERSION/x86_64/latest/image_id" --query Parameter.Value --output text)

log "[2/7] launching the builder ($INSTANCE_TYPE, ${VOLUME_SIZE} GiB encrypted data volume) in $SUBNET_ID"
network=(--subnet-id "$SUBNET_ID")
[[ -n "$SECURITY_GROUP_ID" ]] && network+=(--security-group-ids "$SECURITY_GROUP_ID")
INSTANCE_ID=$(aws ec2 run-instances --image-id "$AMI_ID" --instance-type "$INSTANCE_TYPE" "${network[@]}" \
    --iam-instance-profile "Name=$INSTANCE_PROFILE" \
    --metadata-options HttpTokens=required,HttpPutResponseHopLimit=2 \
    --block-device-mappings "DeviceName=/dev/xvdb,Ebs={VolumeSize=$VOLUME_SIZE,VolumeType=gp3,Encrypted=true,DeleteOnTermination=true}" \
    --tag-specifications "ResourceType=instance,Tags=[{Key=Name,Value=ml-team-env-image-cache-builder}]" \
    --query 'Instances[0].InstanceId' --output text)
aws ec2 wait instance-running --instance-ids "$INSTANCE_ID"

log "[3/7] waiting for SSM on $INSTANCE_ID"
for ((i = 0; ; i++)); do
    ping=$(aws ssm describe-instance-information --filters "Key=InstanceIds,Values=$INSTANCE_ID" --query 'InstanceInformationList[0].PingStatus' --output text)
    [[ "$ping" == Online ]] && break
    ((i >= 60)) && die "SSM did not come online on $INSTANCE_ID (the instance profile needs AmazonSSMManagedInstanceCore; the subnet a route to SSM)"
    sleep "${POLL_SECONDS:-5}"
done

CTR="apiclient exec admin sheltie ctr -a /run/containerd/containerd.sock -n k8s.io"
log "[4/7] stopping kubelet and clearing images"
run_on_instance "stop kubelet" "apiclient exec admin sheltie systemctl stop kubelet" 300 || die "could not stop kubelet"
run_on_instance "clear images" "$CTR images rm \$($CTR images ls -q) || true" 300 || die "could not clear images"

log "[5/7] pulling $IMAGE (linux/amd64)"
credentials="${REGISTRY_CREDENTIALS:-}"
if [[ "$IMAGE" =~ ^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/ ]]; then
    credentials="AWS:$(aws ecr get-login-password --region "${BASH_REMATCH[1]}")"
fi
pull="$CTR images pull --label io.cri-containerd.image=managed --platform linux/amd64 ${credentials:+--user $credentials }$IMAGE"
run_on_instance "pull image" "$pull" "$TIMEOUT" || die "the pull of $IMAGE failed"

log "[6/7] stopping the instance and snapshotting its data volume"
aws ec2 stop-instances --instance-ids "$INSTANCE_ID" --output text >/dev/null
aws ec2 wait instance-stopped --instance-ids "$INSTANCE_ID"
VOLUME_ID=$(aws ec2 describe-instances --instance-ids "$INSTANCE_ID" \
    --query "Reservations[0].Instances[0].BlockDeviceMappings[?DeviceName=='/dev/xvdb'].Ebs.VolumeId" --output text)
[[ "$VOLUME_ID" == vol-* ]] || die "no data volume on $INSTANCE_ID (got '$VOLUME_ID')"
SNAPSHOT_ID=$(aws ec2 create-snapshot --volume-id "$VOLUME_ID" \
    --description "Bottlerocket data volume with ${IMAGE:0:180}" \
    --tag-specifications "ResourceType=snapshot,Tags=[{Key=Name,Value=ml-team-env-image-cache},{Key=ml-team-env/image-digest,Value=$DIGEST},{Key=ml-team-env/kubernetes-version,Value=$K8S_VERSION}]" \
    --query SnapshotId --output text)
log "waiting for $SNAPSHOT_ID to complete (minutes for a large image)"
for ((i = 0; ; i++)); do
    state=$(aws ec2 describe-snapshots --snapshot-ids "$SNAPSHOT_ID" --query 'Snapshots[0].State' --output text)
    [[ "$state" == completed ]] && break
    [[ "$state" == error ]] && die "snapshot $SNAPSHOT_ID failed"
    ((i >= 720)) && die "snapshot $SNAPSHOT_ID did not complete within an hour"
    sleep "${POLL_SECONDS:-5}"
done

log "[7/7] done: $SNAPSHOT_ID holds $IMAGE"
cat <<EOF
# Put under ml-team-env:cluster in the stack file (gpuNodePool.amiType: BOTTLEROCKET_x86_64_NVIDIA,
# diskSizeGiB at least $VOLUME_SIZE), with environment.image pinned to the same digest:
gpuNodePool:
  imageCache:
    snapshotId: $SNAPSHOT_ID
    imageDigest: $DIGEST
    volumeSizeGiB: $VOLUME_SIZE
EOF
