/** What public views show of a person: the family name only ("张*"), never the full name. */
export function maskName(name: string): string {
  const characters = [...name.trim()];
  if (characters.length === 0) return '';
  return `${characters[0]}${'*'.repeat(Math.max(characters.length - 1, 1))}`;
}

/** A mobile number as public views show it: 138****1234. */
export function maskPhone(phone: string): string {
  return /^1\d{10}$/.test(phone) ? `${phone.slice(0, 3)}****${phone.slice(7)}` : phone.replace(/\d/g, '*');
}
