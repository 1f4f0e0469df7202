/** The registry of skills: each skill module registers itself here, the runtime and routes look skills up. */
import { NotFoundError } from '../errors.ts';
import type { SkillDefinition } from './skill-types.ts';

const skills = new Map<string, SkillDefinition<unknown, unknown>>();

export function registerSkill<I, F>(skill: SkillDefinition<I, F>): void {
  skills.set(skill.id, skill as unknown as SkillDefinition<unknown, unknown>);
}

export function getSkill(id: string): SkillDefinition<unknown, unknown> {
  const skill = skills.get(id);
  if (!skill) throw new NotFoundError(`skill "${id}"`);
  return skill;
}

export function listSkills(): SkillDefinition<unknown, unknown>[] {
  return [...skills.values()].sort((a, b) => a.id.localeCompare(b.id));
}
