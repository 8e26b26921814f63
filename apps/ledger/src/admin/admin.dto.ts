import { IsBoolean, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { TENANT_ID_PATTERN } from '@ledger/domain';

export class CreateTenantDto {
  @IsString()
  @Matches(TENANT_ID_PATTERN, { message: 'id must be 1-63 lowercase letters, digits or dashes, not starting or ending with a dash' })
  id!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}

export class SuspendTenantDto {
  @IsBoolean()
  suspended!: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class IssueTokenDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  idp!: string;

  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO-8601 time or null' })
  expiresAt?: string | null;

  /** Rotation: the token this one replaces; both stay valid until the old one is revoked. */
  @IsOptional()
  @IsString()
  rotatedFrom?: string;
}

export class SetTokenExpiryDto {
  @ValidateIf((_, value) => value !== null)
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO-8601 time or null' })
  expiresAt!: string | null;
}
