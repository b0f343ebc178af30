// How a container receives a credential: by reference to a key of a Kubernetes Secret, never as a value.
import * as pulumi from "@pulumi/pulumi";

export interface SecretEnvVar {
    /** Environment variable name inside the container. */
    name: string;
    /** Kubernetes Secret that holds the value. */
    secretName: pulumi.Input<string>;
    /** Key inside that Secret. */
    key: string;
}
