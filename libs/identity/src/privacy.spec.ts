import { maskName, maskPhone } from './privacy';

describe('privacy in public views', () => {
  it('shows only the family name', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('王')).toBe('王*');
  });

  it('shows a mobile number as 138****1234 and nothing of anything else', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskPhone('0756-1234567')).toBe('****-*******');
  });
});
