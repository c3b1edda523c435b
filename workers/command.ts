// The command queue's processor: validate the job, run the command pipeline, and tell BullMQ
// whether a failure is worth another attempt. Domain logic lives in src/commands.
import type { Job } from "bullmq";
import { runCommand } from "../src/commands/run.ts";
import { commandJobSchema } from "../src/queue/types.ts";
import type { Runtime } from "../src/runtime/context.ts";
import { jobFailure, parseJob } from "./jobs.ts";

export function createCommandProcessor(runtime: Runtime): (job: Job) => Promise<unknown> {
  return async (job) => {
    const data = parseJob(commandJobSchema, job, "command");
    try {
      return await runCommand(data, runtime);
    } catch (error) {
      throw jobFailure(error);
    }
  };
}
