/** A rule's message template on a channel: read, save (admin), preview on a sample event. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';

const templateSchema = z.object({
  rule: z.string(),
  channel: z.string(),
  custom: z.boolean(),
  subject: z.string(),
  text: z.string(),
  html: z.string().nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type Template = z.infer<typeof templateSchema>;
export interface TemplateDraft {
  subject: string;
  text: string;
}

const pathOf = (rule: string, channel: string) =>
  `/api/v1/notifications/templates/${encodeURIComponent(rule)}/${encodeURIComponent(channel)}`;

export function getTemplate(rule: string, channel: string): Promise<Template> {
  return apiRequest(pathOf(rule, channel), templateSchema);
}

export function useTemplate(target: { rule: string; channel: string } | null) {
  return useQuery({
    queryKey: ['notifications', 'template', target],
    queryFn: () => getTemplate(target?.rule as string, target?.channel as string),
    enabled: target !== null,
    retry: false,
  });
}

export function saveTemplate(target: { rule: string; channel: string }, draft: TemplateDraft) {
  return apiRequest(pathOf(target.rule, target.channel), templateSchema, {
    method: 'PUT',
    body: { ...draft, html: null },
    csrf: consoleCsrf(),
  });
}

export function useSaveTemplate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { target: { rule: string; channel: string }; draft: TemplateDraft }) =>
      saveTemplate(input.target, input.draft),
    onSuccess: () => client.invalidateQueries({ queryKey: ['notifications', 'template'] }),
  });
}

export function previewTemplate(target: { rule: string; channel: string }, draft: TemplateDraft) {
  return apiRequest(
    `${pathOf(target.rule, target.channel)}/preview`,
    z.object({ subject: z.string(), text: z.string(), html: z.string().nullable() }),
    { method: 'POST', body: draft, csrf: consoleCsrf() },
  );
}

export function usePreviewTemplate() {
  return useMutation({
    mutationFn: (input: { target: { rule: string; channel: string }; draft: TemplateDraft }) =>
      previewTemplate(input.target, input.draft),
  });
}
