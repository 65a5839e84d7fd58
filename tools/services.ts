/** Prints the platform's services, one line, space-separated, for the shell scripts (images, k8s-deploy). */
import { platformServices } from '@fake-stripe/kernel/local-stack';

console.log(platformServices.join(' '));
