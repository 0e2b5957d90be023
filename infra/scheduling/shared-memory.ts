/**
 * The memory-backed `/dev/shm` every notebook and CI job pod gets. A container's own /dev/shm
 * is the runtime's 64 MiB, and PyTorch's DataLoader with workers passes every batch through
 * shared memory: at 64 MiB realistic batches die with a bus error. A memory-backed emptyDir is
 * a tmpfs whose pages are charged to the pod's memory cgroup, so its size lives inside the
 * pod's memory limit, never beside it; the kubelet sizes the tmpfs to the volume's sizeLimit
 * (Kubernetes "Volumes", emptyDir: "the size of a memory-backed volume is ... the sizeLimit").
 */

/** The volume's name in pod specs and the runner's config. */
export const SHM_VOLUME = "shm";

/** Where it is mounted. */
export const SHM_MOUNT_PATH = "/dev/shm";

/** The default share of a pod's memory given to /dev/shm. */
export const DEFAULT_SHM_SHARE = 0.25;

/** The /dev/shm size of a pod with `memoryGiB` of memory, in MiB: as configured, or a quarter of the memory. */
export function shmMiB(memoryGiB: number, shmGiB?: number): number {
    return Math.floor((shmGiB ?? memoryGiB * DEFAULT_SHM_SHARE) * 1024);
}

/** The emptyDir `sizeLimit` quantity for that size. */
export function shmSizeLimit(memoryGiB: number, shmGiB?: number): string {
    return `${shmMiB(memoryGiB, shmGiB)}Mi`;
}

/**
 * The largest share of a pod's memory /dev/shm may take. It is counted inside the limit, and the
 * processes need the rest: Python, the model and its batches, each DataLoader worker's own copy
 * of the dataset object. Half leaves them as much as the batches in flight get; the default is a
 * quarter.
 */
export const MAX_SHM_SHARE = 0.5;

/** Why a /dev/shm size does not fit a pod's memory, or undefined when it does. */
export function shmProblem(memoryGiB: number, shmGiB: number | undefined): string | undefined {
    const most = memoryGiB * MAX_SHM_SHARE;
    if (shmGiB === undefined || shmGiB <= most) return undefined;
    return (
        `is ${shmGiB} GiB but the pod has ${memoryGiB} GiB of memory, and /dev/shm is counted inside it (a memory-backed volume is charged to the pod): ` +
        `more than half would leave the processes too little. Set it to at most ${most} GiB (default: a quarter, ${memoryGiB * DEFAULT_SHM_SHARE} GiB) or raise memoryGiB to at least ${shmGiB / MAX_SHM_SHARE} GiB`
    );
}
