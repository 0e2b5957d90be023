/**
 * Every figure the cold-start budget rests on, with where it comes from. Where no published
 * figure exists the value is an estimate, said so, with the reasoning; the first real deploy
 * can check each step (`kubectl get events`, the node's `Ready` time, the pod's `Pulled` event
 * "Successfully pulled image ... in Ns").
 *
 * Calibration: AWS's ML blog "Reducing container cold start times using SOCI index on DLAMI and
 * DLC" (2026) says standard pulls of 15–20 GB images take 4–6 minutes per instance. The model
 * below gives 4.3 minutes for the default image (7 GiB compressed, 16 GiB unpacked) on a
 * g5.xlarge with a baseline gp3 volume: inside that range.
 */

/**
 * Autoscaler reaction: from the pod going Pending to the Auto Scaling group's new desired
 * size. cluster-autoscaler scans every 10 s (`--scan-interval`, FAQ "How does scale-up
 * work?"), and its FAQ's scale-up latency target for clusters under 100 nodes is 30 s: the
 * budget takes the target.
 */
export const AUTOSCALER_REACTION_S = 30;

/**
 * EC2 launch and join: the Auto Scaling group's launch, the instance booting, nodeadm (AL2023)
 * or Bottlerocket's settings configuring the kubelet, TLS bootstrap, registration and the VPC
 * CNI making the node Ready. Estimate: about 30 s from launch to `running` and about a minute
 * of boot to Ready for EKS-optimized Linux AMIs, which are commonly reported ready within 60–90 s
 * of launch; the budget takes the upper end. No published figure separates AL2023 from
 * Bottlerocket, so both get it.
 */
export const LAUNCH_AND_JOIN_S = 90;

/**
 * GPU driver and device plugin on AL2023 NVIDIA: the driver is in the AMI (no install), but
 * the NVIDIA device plugin is a DaemonSet this package installs: its pod is scheduled once
 * the node is Ready, pulls `nvcr.io/nvidia/k8s-device-plugin` (about 100 MB compressed) through
 * the NAT gateway, starts and registers `nvidia.com/gpu` with the kubelet. Estimate: 30 s.
 */
export const DEVICE_PLUGIN_DAEMONSET_S = 30;

/**
 * GPU driver and device plugin on Bottlerocket NVIDIA: both ship in the OS image and start with
 * the kubelet (Bottlerocket's "NVIDIA GPU support" docs), so nothing is pulled. Estimate: 10 s
 * for the plugin to register the GPUs after the node is Ready.
 */
export const DEVICE_PLUGIN_BUILT_IN_S = 10;

/**
 * The notebook server starting once its image is on the node: container start, then
 * `jupyterhub-singleuser` importing JupyterLab and answering the hub's check. Estimate: 15 s
 * (KubeSpawner polls the pod every few seconds; a JupyterLab server starts in 5–10 s).
 */
export const NOTEBOOK_START_S = 15;

/**
 * One HTTP connection's download rate, MB/s. Estimates: a single S3 GET stream from EC2 is
 * commonly measured at 80–100 MB/s (the S3 performance guidelines advise parallel byte-range
 * GETs of 8–16 MB to go faster); ECR serves layers from S3, so an ECR pull through the S3
 * gateway endpoint takes 90. A registry outside AWS (reached through the NAT gateway, whose
 * 5–100 Gbps is not the limit) is taken at 60: CDN-backed registries serve one stream more
 * slowly than S3 in-region.
 */
export const CONNECTION_MBPS = { ecr: 90, external: 60 } as const;

/**
 * Share of the compressed image in its largest layer. A pytorch-cuda image is dominated by one
 * layer (the CUDA libraries with PyTorch, or the conda environment): estimate 60%. A standard
 * pull downloads at most 3 layers at once (containerd's `max_concurrent_downloads` default),
 * each over one connection, so the largest layer sets the download time.
 */
export const LARGEST_LAYER_SHARE = 0.6;

/** containerd's default concurrent layer downloads (CRI plugin `max_concurrent_downloads`). */
export const STANDARD_CONCURRENT_DOWNLOADS = 3;

/**
 * FastImagePull's downloads: nodeadm writes the SOCI snapshotter config with
 * `max_concurrent_downloads_per_image = 20` and `concurrent_download_chunk_size = "16mb"`
 * (amazon-eks-ami nodeadm/internal/containerd/snapshotter/soci-snapshotter.config.toml,
 * v20260724), so even one large layer is fetched over 20 connections at once.
 */
export const PARALLEL_DOWNLOAD_CONNECTIONS = 20;

/**
 * FastImagePull's unpacks: up to 12 layers at once per image (`max_concurrent_unpacks_per_image`,
 * same file), each through `unpigz`; bounded here by the layers an image really has in
 * parallel. Estimate: 4 (a pytorch-cuda image has about four large layers: CUDA runtime,
 * cuDNN, PyTorch, the Python environment) and never more than the node's vCPUs.
 */
export const PARALLEL_UNPACK_LAYERS = 4;

/**
 * gzip decompression of one layer on one core, MB/s of output. gzip's format cannot be
 * decompressed in parallel (pigz's documentation: decompression is single-threaded, with
 * separate threads for reading, writing and checking). Estimate: 200 MB/s on a current Xeon
 * or EPYC core.
 */
export const GUNZIP_MBPS_PER_STREAM = 200;

/**
 * The part of the image a notebook server reads to start (Python, JupyterLab, the libraries
 * they import), GiB. On a volume restored from a snapshot each block is fetched from S3 on
 * first read (EBS User Guide, "Initialize Amazon EBS volumes"); with a provisioned volume
 * initialization rate the whole volume fills at that rate in the background. Estimate: 1.5
 * GiB; PyTorch and CUDA libraries are read later, when a notebook imports them.
 */
export const STARTUP_READ_GIB = 1.5;

/**
 * The default image size when the stack does not give one, GiB. Estimate for a CUDA 12
 * PyTorch Jupyter image: Docker Hub lists pytorch/pytorch's cuda12 `-runtime` tags at about
 * 3.5 GB compressed and `-devel` at about 9–10 GB; a runtime base with JupyterLab and a team's
 * requirements lands between. gzip takes binaries and shared libraries to 40–45% of their size.
 * `npm run doctor` reads the real compressed size from the registry.
 */
export const DEFAULT_IMAGE_GIB = { compressed: 7, unpacked: 16 } as const;

/** EBS gp3 counts an I/O of up to 256 KiB as one IOPS (EBS User Guide, "I/O characteristics"). */
export const GP3_MAX_IO_KIB = 256;

/** NAT gateway data processing, USD per GB (aws.amazon.com/vpc/pricing, us-east-1 and us-west-2). */
export const NAT_USD_PER_GB = 0.045;
