/**
 * A kubeconfig for an EKS cluster that authenticates with `aws eks get-token`, so it holds
 * no long-lived credential; it is still a Pulumi secret, as it names the endpoint and CA.
 */
export function eksKubeconfig(args: { clusterName: string; endpoint: string; certificateAuthorityData: string; region: string; profile?: string }): string {
    const env = args.profile ? [{ name: "AWS_PROFILE", value: args.profile }] : undefined;
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: args.clusterName, cluster: { server: args.endpoint, "certificate-authority-data": args.certificateAuthorityData } }],
        contexts: [{ name: args.clusterName, context: { cluster: args.clusterName, user: args.clusterName } }],
        "current-context": args.clusterName,
        users: [
            {
                name: args.clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", args.clusterName, "--region", args.region, "--output", "json"],
                        ...(env ? { env } : {}),
                    },
                },
            },
        ],
    });
}
