import { z } from 'zod';

export const consoleUserSchema = z.object({
  person: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  team: z.array(z.string()).optional(),
});
export type ConsoleUser = z.infer<typeof consoleUserSchema>;
